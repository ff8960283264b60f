// What a write needs from the calling app, checked the way Graph does: one of the accepted application
// permissions (the least privileged first, then its broader alternatives), and for some writes an Entra
// directory role. Missing either: 403 Authorization_RequestDenied, which, like Graph, does not name
// what is missing; the caller has to know its own least-privilege table.
import { GraphHttpError } from '../errors';
import type { SimulatedTenant, SimUser } from '../tenant';

export function insufficientPrivileges(): GraphHttpError {
  return new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

/** 403 unless the app holds one of `accepted`. */
export function requirePermission(tenant: SimulatedTenant, accepted: readonly string[]): void {
  if (!accepted.some((permission) => tenant.appAccess.permissions.has(permission))) throw insufficientPrivileges();
}

/**
 * Password resets, app-only: the app needs a directory role too. User Administrator covers users without
 * an admin role; only Privileged Authentication Administrator (or Global Administrator) covers admins.
 */
export function requirePasswordResetRole(tenant: SimulatedTenant, target: SimUser): void {
  const held = new Set(tenant.appAccess.directoryRoles);
  const targetIsAdmin = tenant.directoryRolesOf(target).length > 0;
  const covering = targetIsAdmin
    ? ['Privileged Authentication Administrator', 'Global Administrator']
    : ['User Administrator', 'Privileged Authentication Administrator', 'Global Administrator'];
  if (!covering.some((role) => held.has(role))) throw insufficientPrivileges();
}

/** The authentication method collections of v1.0, their method type and the permissions that may write them. */
export const METHOD_COLLECTIONS: Readonly<Record<string, { type: string; permission: string }>> = {
  phoneMethods: { type: 'phoneAuthenticationMethod', permission: 'UserAuthMethod-Phone.ReadWrite.All' },
  emailMethods: { type: 'emailAuthenticationMethod', permission: 'UserAuthMethod-Email.ReadWrite.All' },
  microsoftAuthenticatorMethods: {
    type: 'microsoftAuthenticatorAuthenticationMethod',
    permission: 'UserAuthMethod-MicrosoftAuthApp.ReadWrite.All',
  },
  fido2Methods: { type: 'fido2AuthenticationMethod', permission: 'UserAuthMethod-Passkey.ReadWrite.All' },
  softwareOathMethods: { type: 'softwareOathAuthenticationMethod', permission: 'UserAuthMethod-SoftwareOATH.ReadWrite.All' },
  windowsHelloForBusinessMethods: {
    type: 'windowsHelloForBusinessAuthenticationMethod',
    permission: 'UserAuthMethod-WindowsHello.ReadWrite.All',
  },
  temporaryAccessPassMethods: { type: 'temporaryAccessPassAuthenticationMethod', permission: 'UserAuthMethod-TAP.ReadWrite.All' },
  platformCredentialMethods: { type: 'platformCredentialAuthenticationMethod', permission: 'UserAuthMethod-PlatformCred.ReadWrite.All' },
  passwordMethods: { type: 'passwordAuthenticationMethod', permission: 'UserAuthMethod-Password.ReadWrite.All' },
};

export const BROAD_METHOD_PERMISSION = 'UserAuthenticationMethod.ReadWrite.All';
