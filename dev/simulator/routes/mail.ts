// Graph mail: the inbox's message rules, where an AiTM attacker hides forwarding (runbook 2.2 / 3.1).
import { GraphHttpError } from '../errors';
import { MessageRule, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
import { collectionRoute, requireUser } from './collection';

const messageRules = collectionRoute<MessageRule>({
  path: 'users/{userId}/mailFolders/{folderId}/messageRules',
  typeName: 'microsoft.graph.messageRule',
  properties: propertyNames<MessageRule>({
    id: true,
    displayName: true,
    sequence: true,
    isEnabled: true,
    hasError: true,
    isReadOnly: true,
    conditions: true,
    actions: true,
  }),
  context: (ctx) => `users('${requireUser(ctx).id}')/mailFolders('inbox')/messageRules`,
  list(ctx) {
    const user = requireUser(ctx);
    // Rules exist only on the inbox; Exchange answers other folder ids as missing items.
    if (ctx.params.folderId.toLowerCase() !== 'inbox') {
      throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    return ctx.tenant.messageRules
      .filter((r) => r.userId === user.id)
      .map((r) => r.rule)
      .sort((a, b) => a.sequence - b.sequence);
  },
});

export const mailRoutes: readonly GraphRoute[] = [messageRules];
