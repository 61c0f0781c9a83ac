import { badUserInput, ErrorCode, viewOfError, type ErrorView } from '../../errors.js';
import { PvwaError } from '../../pvwa/errors.js';
import { eventIdProblem } from '../../pvwa/paths.js';
import type { PvwaEvent } from '../../pvwa/types.js';
import type { LogonResultResolvers, MutationResolvers } from '../generated/resolvers-types.js';
import { checkEventId, statusChange } from '../input.js';
import type { SessionLimits } from '../session-limits.js';

/** One item of `updateEventStatuses`. */
interface ItemResult {
  id: string;
  event: PvwaEvent | null;
  error: ErrorView | null;
}

export function mutationResolvers(bulk: { maxIds: number; limits: SessionLimits }): MutationResolvers {
  return {
    async updateEventStatus(_parent, { id, status, closeReason, reasonText }, context) {
      checkEventId(id);
      const change = statusChange(status, closeReason, reasonText);
      const event = await context.pvwa().updateEvent(id, change);
      context.wroteEvent(event);
      return event;
    },

    async updateEventStatuses(_parent, { ids, status, closeReason, reasonText }, context) {
      if (ids.length < 1 || ids.length > bulk.maxIds) {
        throw badUserInput(`\`ids\` must hold 1 to ${bulk.maxIds} ids (got ${ids.length}).`, { argument: 'ids' });
      }
      const change = statusChange(status, closeReason, reasonText);
      const api = context.pvwa();
      // Shared by the session's bulk calls: together they have PVWA_BULK_CONCURRENCY PATCHes in flight.
      const session = context.sessionKey() as string;
      const limit = (task: () => Promise<ItemResult>) => bulk.limits.run(session, task);
      let sessionGone: ErrorView | null = null;

      const update = async (id: string): Promise<ItemResult> => {
        // The session ended on an earlier item: what was not sent yet is not sent.
        if (sessionGone) return { id, event: null, error: sessionGone };
        try {
          const event = await api.updateEvent(id, change);
          context.wroteEvent(event);
          return { id, event, error: null };
        } catch (error) {
          const view = viewOfError(error);
          if (view.code === ErrorCode.UNAUTHENTICATED && error instanceof PvwaError) sessionGone ??= view;
          if (view.code === ErrorCode.INTERNAL_SERVER_ERROR) context.logger.error({ err: error, requestId: context.record.requestId, eventId: id }, 'gateway bug in a bulk item: answered INTERNAL_SERVER_ERROR');
          return { id, event: null, error: view };
        }
      };

      const items = await Promise.all(
        [...new Set(ids)].map((id): ItemResult | Promise<ItemResult> => {
          const problem = eventIdProblem(id);
          if (problem) return { id, event: null, error: { code: ErrorCode.BAD_USER_INPUT, message: `The id ${problem}.` } };
          return limit(() => update(id));
        }),
      );
      const counts: Record<string, number> = {};
      for (const item of items) {
        const outcome = item.error?.code ?? 'OK';
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      context.record.itemsDone(counts);
      return items;
    },

    // Logon and its challenge need no session: a stale session cookie is ignored there.
    logon: (_parent, { input }, context) => context.logon.logon(input),

    respondToLogonChallenge: (_parent, { challengeId, response, delivery }, context) =>
      context.logon.respondToChallenge(challengeId, response, delivery ?? 'TOKEN'),

    logoff: (_parent, _args, context) => context.logon.logoff(),
  };
}

export const LogonResult: LogonResultResolvers = {
  __resolveType: (result) => ('challengeId' in result ? 'LogonChallenge' : 'LogonSuccess'),
};
