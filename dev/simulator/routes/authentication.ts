// Graph authentication methods: the MFA methods registered to a user, where an attacker adds their own
// phone (runbook 2.4 / 3.3). Items are polymorphic and carry "@odata.type".
import { AuthenticationMethod, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
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
  }),
  context: (ctx) => `users('${requireUser(ctx).id}')/authentication/methods`,
  list(ctx) {
    const user = requireUser(ctx);
    return ctx.tenant.authenticationMethods.filter((r) => r.userId === user.id).map((r) => r.method);
  },
});

export const authenticationRoutes: readonly GraphRoute[] = [methods];
