// Graph authentication methods: the MFA methods registered to a user, where an attacker adds their own
// phone (runbook 2.4 / 3.3). Items are polymorphic and carry "@odata.type". Each method type has its own
// collection to read and delete through (the generic `authentication/methods/{id}` DELETE is delegated
// only), with Graph's documented quirks: the default method cannot be deleted while others exist, an
// alternateMobile phone cannot outlive the mobile one, and a Temporary Access Pass is shown once.
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, resourceNotFound } from '../errors';
import { isRecord } from '../json';
import { METADATA } from '../odata';
import { AuthenticationMethod, propertyNames } from '../resources';
import type { GraphRoute, RouteContext } from '../router';
import { isoSeconds, type AuthenticationMethodRecord } from '../tenant';
import { BROAD_METHOD_PERMISSION, insufficientPrivileges, METHOD_COLLECTIONS, requirePermission } from './access';
import { collectionRoute, requireUser } from './collection';

const methods = collectionRoute<AuthenticationMethod>({
  path: 'users/{userId}/authentication/methods',
  typeName: 'microsoft.graph.authenticationMethod',
  properties: propertyNames<AuthenticationMethod>({
    '@odata.type': true,
    id: true,
    createdDateTime: true,
    password: true,
    phoneNumber: true,
    phoneType: true,
    smsSignInState: true,
    displayName: true,
    deviceTag: true,
    phoneAppVersion: true,
    temporaryAccessPass: true,
    startDateTime: true,
    lifetimeInMinutes: true,
    isUsableOnce: true,
    isUsable: true,
    methodUsabilityReason: true,
  }),
  context: (ctx) => `users('${requireUser(ctx).id}')/authentication/methods`,
  list(ctx) {
    const user = requireUser(ctx);
    return ctx.tenant.authenticationMethods.filter((r) => r.userId === user.id).map((r) => r.method);
  },
});

function typeOf(record: AuthenticationMethodRecord): string {
  return record.method['@odata.type'].replace('#microsoft.graph.', '');
}

/** The method addressed through its own type's collection; another type's id there is not found. */
function typedMethod(ctx: RouteContext): {
  index: number;
  record: AuthenticationMethodRecord;
  collection: { type: string; permission: string };
} {
  const user = requireUser(ctx);
  const collection = METHOD_COLLECTIONS[ctx.params.collection];
  if (!collection) throw badRequest(`Resource not found for the segment '${ctx.params.collection}'.`);
  const index = ctx.tenant.authenticationMethods.findIndex(
    (r) => r.userId === user.id && r.method.id === ctx.params.methodId && typeOf(r) === collection.type,
  );
  if (index < 0) throw resourceNotFound(ctx.params.methodId);
  return { index, record: ctx.tenant.authenticationMethods[index], collection };
}

const getTypedMethod: GraphRoute = {
  method: 'GET',
  path: 'users/{userId}/authentication/{collection}/{methodId}',
  query: [],
  handle(ctx) {
    if (ctx.params.collection.toLowerCase() === 'methods') {
      const user = requireUser(ctx);
      const record = ctx.tenant.authenticationMethods.find((r) => r.userId === user.id && r.method.id === ctx.params.methodId);
      if (!record) throw resourceNotFound(ctx.params.methodId);
      return {
        status: 200,
        body: { '@odata.context': `${METADATA}#users('${user.id}')/authentication/methods/$entity`, ...record.method },
      };
    }
    const { record } = typedMethod(ctx);
    return {
      status: 200,
      body: { '@odata.context': `${METADATA}#users('${record.userId}')/authentication/${ctx.params.collection}/$entity`, ...record.method },
    };
  },
};

const deleteTypedMethod: GraphRoute = {
  method: 'DELETE',
  path: 'users/{userId}/authentication/{collection}/{methodId}',
  query: [],
  handle(ctx) {
    // The generic route exists for delegated callers only; an app-only token is refused.
    if (ctx.params.collection.toLowerCase() === 'methods') throw insufficientPrivileges();
    const user = requireUser(ctx);
    const { index, record, collection } = typedMethod(ctx);
    if (collection.type === 'passwordAuthenticationMethod') throw badRequest('The password method cannot be deleted.', 'badRequest');
    requirePermission(ctx.tenant, [collection.permission, BROAD_METHOD_PERMISSION]);
    const others = ctx.tenant.authenticationMethods.filter(
      (r) => r.userId === user.id && r !== record && typeOf(r) !== 'passwordAuthenticationMethod',
    );
    if (user.defaultMethodId === record.method.id && others.length > 0) {
      throw badRequest(
        'Cannot delete default method with other methods configured. Please change default method before deletion.',
        'badRequest',
      );
    }
    const method = record.method;
    if (method['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod' && method.phoneType === 'mobile') {
      const alternate = others.some(
        (r) => r.method['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod' && r.method.phoneType === 'alternateMobile',
      );
      if (alternate)
        throw badRequest(
          "A user can't have an alternateMobile number without a mobile number. Delete the alternateMobile number first.",
          'badRequest',
        );
    }
    ctx.tenant.authenticationMethods.splice(index, 1);
    if (user.defaultMethodId === method.id) delete user.defaultMethodId;
    return { status: 204 };
  },
};

const TAP_LIFETIME = { min: 10, max: 43_200, default: 60 };
const TAP_FIELDS = new Set(['startDateTime', 'lifetimeInMinutes', 'isUsableOnce']);

/**
 * 201 with the pass: the one time it is readable. The simulator keeps only the method without its
 * secret. One usable pass per user: a new one replaces the old.
 */
const createTemporaryAccessPass: GraphRoute = {
  method: 'POST',
  path: 'users/{userId}/authentication/temporaryAccessPassMethods',
  query: [],
  handle(ctx) {
    const user = requireUser(ctx);
    requirePermission(ctx.tenant, ['UserAuthMethod-TAP.ReadWrite.All', BROAD_METHOD_PERMISSION]);
    const body = ctx.body === undefined ? {} : ctx.body;
    if (!isRecord(body) || Object.keys(body).some((key) => !TAP_FIELDS.has(key) && !key.startsWith('@odata.'))) {
      throw badRequest('Invalid request body for temporaryAccessPassAuthenticationMethod.', 'badRequest');
    }
    const lifetime = body.lifetimeInMinutes ?? TAP_LIFETIME.default;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < TAP_LIFETIME.min || lifetime > TAP_LIFETIME.max) {
      throw badRequest(`lifetimeInMinutes must be between ${TAP_LIFETIME.min} and ${TAP_LIFETIME.max}.`, 'badRequest');
    }
    const once = body.isUsableOnce ?? false;
    if (typeof once !== 'boolean') throw badRequest('isUsableOnce must be a boolean.', 'badRequest');
    const now = isoSeconds(ctx.now());
    const start = typeof body.startDateTime === 'string' ? body.startDateTime : now;
    for (let i = ctx.tenant.authenticationMethods.length - 1; i >= 0; i--) {
      const r = ctx.tenant.authenticationMethods[i];
      if (r.userId === user.id && typeOf(r) === 'temporaryAccessPassAuthenticationMethod') ctx.tenant.authenticationMethods.splice(i, 1);
    }
    const id = randomUUID();
    const method = {
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod' as const,
      id,
      createdDateTime: now,
      startDateTime: start,
      lifetimeInMinutes: lifetime,
      isUsableOnce: once,
      isUsable: true,
      methodUsabilityReason: 'EnabledByPolicy',
    };
    ctx.tenant.authenticationMethods.push({ userId: user.id, registeredDateTime: now, method: { ...method, temporaryAccessPass: null } });
    user.temporaryAccessPassCount++;
    const pass = randomBytes(12).toString('base64url').slice(0, 12);
    return {
      status: 201,
      body: {
        '@odata.context': `${METADATA}#users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`,
        ...method,
        temporaryAccessPass: pass,
      },
    };
  },
};

export const authenticationRoutes: readonly GraphRoute[] = [methods, getTypedMethod, deleteTypedMethod, createTemporaryAccessPass];
