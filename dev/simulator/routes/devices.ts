// Graph devices related to a user: owned and registered devices, where an attacker's device registration
// shows up (runbook 2.5 / 3.4). Both are directoryObject collections, so items carry "@odata.type". A
// device is also read by its object id (`devices/{id}`), the route app-only callers have.
import { resourceNotFound } from '../errors';
import { METADATA, project } from '../odata';
import { Device, propertyNames } from '../resources';
import type { GraphRoute, RouteContext } from '../router';
import type { DeviceRecord } from '../tenant';
import { requirePermission } from './access';
import { collectionRoute, requireUser } from './collection';

type DirectoryDevice = Device & { '@odata.type': '#microsoft.graph.device' };

const DEVICE_PROPERTIES = propertyNames<Device>({
  id: true,
  deviceId: true,
  displayName: true,
  operatingSystem: true,
  operatingSystemVersion: true,
  registrationDateTime: true,
  approximateLastSignInDateTime: true,
  trustType: true,
  accountEnabled: true,
  isCompliant: true,
  isManaged: true,
});

function devicesOf(relation: (record: DeviceRecord) => readonly string[]) {
  return (ctx: RouteContext): DirectoryDevice[] => {
    const user = requireUser(ctx);
    return ctx.tenant.devices
      .filter((record) => relation(record).includes(user.id))
      .map((record) => ({ '@odata.type': '#microsoft.graph.device', ...record.device }));
  };
}

const ownedDevices = collectionRoute<DirectoryDevice>({
  path: 'users/{userId}/ownedDevices',
  typeName: 'microsoft.graph.device',
  properties: DEVICE_PROPERTIES,
  context: () => 'directoryObjects',
  list: devicesOf((record) => record.registeredOwnerIds),
});

const registeredDevices = collectionRoute<DirectoryDevice>({
  path: 'users/{userId}/registeredDevices',
  typeName: 'microsoft.graph.device',
  properties: DEVICE_PROPERTIES,
  context: () => 'directoryObjects',
  list: devicesOf((record) => record.registeredUserIds),
});

const getDevice: GraphRoute = {
  method: 'GET',
  path: 'devices/{deviceId}',
  query: ['$select'],
  handle(ctx) {
    const id = ctx.params.deviceId.toLowerCase();
    const record = ctx.tenant.devices.find((r) => r.device.id.toLowerCase() === id);
    if (!record) throw resourceNotFound(ctx.params.deviceId);
    const device = { '@odata.type': '#microsoft.graph.device', ...record.device };
    return {
      status: 200,
      body: {
        '@odata.context': `${METADATA}#devices/$entity`,
        ...project(device, ctx.query.select ?? DEVICE_PROPERTIES, DEVICE_PROPERTIES, 'microsoft.graph.device'),
      },
    };
  },
};

/** 204; Device.ReadWrite.All (least privileged, app-only). Addressed by object id. */
const deleteDevice: GraphRoute = {
  method: 'DELETE',
  path: 'devices/{deviceId}',
  query: [],
  handle(ctx) {
    const id = ctx.params.deviceId.toLowerCase();
    const index = ctx.tenant.devices.findIndex((r) => r.device.id.toLowerCase() === id);
    if (index < 0) throw resourceNotFound(ctx.params.deviceId);
    requirePermission(ctx.tenant, ['Device.ReadWrite.All']);
    ctx.tenant.devices.splice(index, 1);
    return { status: 204 };
  },
};

export const deviceRoutes: readonly GraphRoute[] = [ownedDevices, registeredDevices, getDevice, deleteDevice];
