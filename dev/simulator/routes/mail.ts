// Graph mail: the inbox's message rules, where an AiTM attacker hides forwarding (runbook 2.2 / 3.1), the
// folders those rules move mail to, and the sent messages whose recipients the BEC follow-up needs (5.3).
import { GraphHttpError } from '../errors';
import { compileFilter, FilterFields } from '../filter';
import { METADATA, project } from '../odata';
import { MailFolder, Message, MessageRule, propertyNames } from '../resources';
import type { GraphRoute } from '../router';
import { requirePermission } from './access';
import { collectionRoute, requireUser } from './collection';

const itemNotFound = () => new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

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

const FOLDER_PROPERTIES = propertyNames<MailFolder>({
  id: true,
  displayName: true,
  parentFolderId: true,
  childFolderCount: true,
  unreadItemCount: true,
  totalItemCount: true,
  isHidden: true,
});

const getMailFolder: GraphRoute = {
  method: 'GET',
  path: 'users/{userId}/mailFolders/{folderId}',
  query: ['$select'],
  handle(ctx) {
    const user = requireUser(ctx);
    const wanted = ctx.params.folderId.toLowerCase();
    // Well-known names (inbox, sentitems) resolve like Exchange does; other ids must match exactly.
    const record = ctx.tenant.mailFolders.find(
      (r) =>
        r.userId === user.id && (r.folder.id === ctx.params.folderId || r.folder.displayName.replace(/\s+/g, '').toLowerCase() === wanted),
    );
    if (!record) throw itemNotFound();
    return {
      status: 200,
      body: {
        '@odata.context': `${METADATA}#users('${user.id}')/mailFolders/$entity`,
        ...project(record.folder, ctx.query.select ?? FOLDER_PROPERTIES, FOLDER_PROPERTIES, 'microsoft.graph.mailFolder'),
      },
    };
  },
};

const MESSAGE_FILTER: FilterFields<Message> = {
  internetMessageId: { type: 'string', operators: ['eq'], get: (m) => m.internetMessageId },
};

const messages = collectionRoute<Message>({
  path: 'users/{userId}/messages',
  typeName: 'microsoft.graph.message',
  properties: propertyNames<Message>({
    id: true,
    internetMessageId: true,
    subject: true,
    sentDateTime: true,
    from: true,
    toRecipients: true,
    ccRecipients: true,
    bccRecipients: true,
    parentFolderId: true,
  }),
  context: (ctx) => `users('${requireUser(ctx).id}')/messages`,
  list(ctx) {
    const user = requireUser(ctx);
    return ctx.tenant.messages.filter((r) => r.userId === user.id).map((r) => r.message);
  },
  filter: (filter) => compileFilter(filter, MESSAGE_FILTER),
  paging: { defaultTop: 10, maxTop: 1000 },
});

/** The addressed rule of the user's inbox; other folders and unknown ids are Exchange's ErrorItemNotFound. */
function ruleRecordIndex(ctx: Parameters<GraphRoute['handle']>[0]): number {
  const user = requireUser(ctx);
  if (ctx.params.folderId.toLowerCase() !== 'inbox') throw itemNotFound();
  const index = ctx.tenant.messageRules.findIndex((r) => r.userId === user.id && r.rule.id === ctx.params.ruleId);
  if (index < 0) throw itemNotFound();
  return index;
}

const getMessageRule: GraphRoute = {
  method: 'GET',
  path: 'users/{userId}/mailFolders/{folderId}/messageRules/{ruleId}',
  query: [],
  handle(ctx) {
    const record = ctx.tenant.messageRules[ruleRecordIndex(ctx)];
    return {
      status: 200,
      body: { '@odata.context': `${METADATA}#users('${record.userId}')/mailFolders('inbox')/messageRules/$entity`, ...record.rule },
    };
  },
};

/** 204 No Content; MailboxSettings.ReadWrite (least privileged, app-only). */
const deleteMessageRule: GraphRoute = {
  method: 'DELETE',
  path: 'users/{userId}/mailFolders/{folderId}/messageRules/{ruleId}',
  query: [],
  handle(ctx) {
    const index = ruleRecordIndex(ctx);
    requirePermission(ctx.tenant, ['MailboxSettings.ReadWrite']);
    ctx.tenant.messageRules.splice(index, 1);
    return { status: 204 };
  },
};

export const mailRoutes: readonly GraphRoute[] = [messageRules, getMailFolder, messages, getMessageRule, deleteMessageRule];
