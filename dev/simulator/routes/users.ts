// Graph `users`: read a user or the user list, PATCH accountEnabled / passwordProfile, and the
// revokeSignInSessions action — the calls containment and recovery make.
import { isRecord } from '../json';
import { badRequest } from '../errors';
import { METADATA, project } from '../odata';
import { GraphUser, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
import { isoSeconds, SimUser } from '../tenant';
import { requirePasswordResetRole, requirePermission } from './access';
import { collectionRoute, requireUser } from './collection';

const USER_TYPE = 'microsoft.graph.user';

const USER_PROPERTIES = propertyNames<GraphUser>({
  id: true,
  userPrincipalName: true,
  displayName: true,
  givenName: true,
  surname: true,
  mail: true,
  jobTitle: true,
  mobilePhone: true,
  officeLocation: true,
  preferredLanguage: true,
  businessPhones: true,
  userType: true,
  accountEnabled: true,
  onPremisesSyncEnabled: true,
  createdDateTime: true,
  lastPasswordChangeDateTime: true,
  signInSessionsValidFromDateTime: true,
});

/** What Graph v1.0 returns without $select: notably not accountEnabled, which callers must select. */
const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

/** Writable user properties a PATCH may carry; the simulator applies only the two containment uses. */
const PATCHABLE = new Set([
  'accountEnabled',
  'passwordProfile',
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'businessPhones',
  'usageLocation',
  'department',
  'companyName',
  'city',
  'country',
  'state',
  'streetAddress',
  'postalCode',
  'mailNickname',
  'otherMails',
  'passwordPolicies',
]);

const PASSWORD_PROFILE_KEYS = new Set(['password', 'forceChangePasswordNextSignIn', 'forceChangePasswordNextSignInWithMfa']);

const getUser: GraphRoute = {
  method: 'GET',
  path: 'users/{userId}',
  query: ['$select'],
  handle(ctx) {
    const user = requireUser(ctx);
    const select = ctx.query.select;
    const entitySet = select ? `users(${select.join(',')})` : 'users';
    return {
      status: 200,
      body: {
        '@odata.context': `${METADATA}#${entitySet}/$entity`,
        ...project(user, select ?? DEFAULT_USER_PROPERTIES, USER_PROPERTIES, USER_TYPE),
      },
    };
  },
};

const listUsers = collectionRoute<SimUser>({
  path: 'users',
  typeName: USER_TYPE,
  properties: USER_PROPERTIES,
  defaultProperties: DEFAULT_USER_PROPERTIES,
  context: () => 'users',
  list: (ctx) => ctx.tenant.users,
});

const updateUser: GraphRoute = {
  method: 'PATCH',
  path: 'users/{userId}',
  query: [],
  handle(ctx) {
    const user = requireUser(ctx);
    const body = ctx.body;
    if (!isRecord(body)) throw badRequest('Empty Payload. JSON content expected.');
    for (const key of Object.keys(body)) {
      if (!PATCHABLE.has(key) && !key.startsWith('@odata.')) {
        throw badRequest(`Property '${key}' does not exist as a declared property or extension property.`, 'Request_BadRequest');
      }
    }
    const enabled = body.accountEnabled;
    if (enabled !== undefined && typeof enabled !== 'boolean') throw invalidValue('accountEnabled');
    const reset = body.passwordProfile === undefined ? undefined : parsePasswordProfile(body.passwordProfile);
    if (typeof enabled === 'boolean')
      requirePermission(ctx.tenant, ['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']);
    if (reset) {
      // User.ReadWrite.All alone does not cover passwords; app-only, a directory role is needed as well.
      requirePermission(ctx.tenant, ['User-PasswordProfile.ReadWrite.All']);
      requirePasswordResetRole(ctx.tenant, user);
    }

    // Validate everything before changing anything: a rejected PATCH leaves the user untouched.
    if (typeof enabled === 'boolean') user.accountEnabled = enabled;
    if (reset) {
      user.passwordResetCount++;
      user.lastPasswordChangeDateTime = isoSeconds(ctx.now());
      user.forceChangePasswordNextSignIn = reset.forceChangePasswordNextSignIn;
    }
    return { status: 204 };
  },
};

const revokeSignInSessions: GraphRoute = {
  method: 'POST',
  path: 'users/{userId}/revokeSignInSessions',
  query: [],
  handle(ctx) {
    const user = requireUser(ctx);
    user.signInSessionsValidFromDateTime = isoSeconds(ctx.now());
    user.revokeCount++;
    return { status: 200, body: { '@odata.context': `${METADATA}#Edm.Boolean`, value: true } };
  },
};

export const userRoutes: readonly GraphRoute[] = [getUser, listUsers, updateUser, revokeSignInSessions];

function parsePasswordProfile(profile: unknown): { forceChangePasswordNextSignIn: boolean } {
  if (!isRecord(profile) || Object.keys(profile).some((k) => !PASSWORD_PROFILE_KEYS.has(k))) throw invalidValue('passwordProfile');
  const { password, forceChangePasswordNextSignIn: force, forceChangePasswordNextSignInWithMfa: forceWithMfa } = profile;
  if (typeof password !== 'string') throw invalidValue('passwordProfile');
  if (![force, forceWithMfa].every((flag) => flag === undefined || typeof flag === 'boolean')) throw invalidValue('passwordProfile');
  if (!meetsComplexity(password)) {
    throw badRequest(
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
      'Request_BadRequest',
    );
  }
  return { forceChangePasswordNextSignIn: force === true };
}

/** Entra's rule for cloud passwords: 8-256 characters from at least three of four character classes. */
function meetsComplexity(password: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return password.length >= 8 && password.length <= 256 && classes >= 3;
}

function invalidValue(property: string) {
  return badRequest(`Invalid value specified for property '${property}' of resource 'User'.`, 'Request_BadRequest');
}
