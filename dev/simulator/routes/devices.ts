// Graph devices related to a user: owned and registered devices, where an attacker's device registration
// shows up (runbook 2.5 / 3.4). Both are directoryObject collections, so items carry "@odata.type".
import { Device, propertyNames } from '../resources';
import type { GraphRoute, RouteContext } from '../router';
import type { DeviceRecord } from '../tenant';
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

export const deviceRoutes: readonly GraphRoute[] = [ownedDevices, registeredDevices];
