// Runbook 1.1 and 1.2 as Graph writes: revoke sign-in sessions and disable the account, in parallel, each
// outcome recorded whatever the other does; and, for a dry run, the same requests described, not sent.
import { toError, UpstreamError } from '../errors';
import type { ActionOutcome, ContainmentAction } from './incident';
import type { ContainContext } from './contain-context';

export function sendActions(ctx: ContainContext, userId: string, actions: readonly ContainmentAction[]): Promise<ActionOutcome[]> {
  const port = ctx.deps.actions;
  return Promise.all(
    actions.map(async (action): Promise<ActionOutcome> => {
      const started = performance.now();
      const base = { action, request: port.describe(action, userId), startedAt: ctx.now() };
      try {
        const receipt = await (action === 'revokeSessions' ? port.revokeSessions(userId) : port.disableAccount(userId));
        const durationMs = Math.round(performance.now() - started);
        ctx.timings[action] = durationMs;
        return {
          ...base,
          result: 'succeeded',
          httpStatus: receipt.status,
          requestId: receipt.requestId,
          attempts: receipt.attempts,
          endedAt: ctx.now(),
          durationMs,
        };
      } catch (error) {
        const durationMs = Math.round(performance.now() - started);
        ctx.timings[action] = durationMs;
        const graph = error instanceof UpstreamError ? error : undefined;
        return {
          ...base,
          result: 'failed',
          httpStatus: graph?.status,
          graphCode: graph?.code ?? 'unexpected_error',
          message: toError(error).message.slice(0, 500),
          requestId: graph?.requestId,
          transient: graph?.transient ?? true,
          attempts: graph?.attempts ?? 1,
          endedAt: ctx.now(),
          durationMs,
        };
      }
    }),
  );
}

export function notSent(ctx: ContainContext, userId: string, actions: readonly ContainmentAction[]): ActionOutcome[] {
  const at = ctx.now();
  return actions.map((action) => ({
    action,
    result: 'not_sent',
    request: ctx.deps.actions.describe(action, userId),
    attempts: 0,
    startedAt: at,
    endedAt: at,
    durationMs: 0,
  }));
}
