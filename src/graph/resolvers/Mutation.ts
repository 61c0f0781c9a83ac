import { badUserInput } from '../../errors.js';
import type { LogonResultResolvers, MutationResolvers } from '../generated/resolvers-types.js';
import { checkEventId, MAX_REASON_TEXT } from '../input.js';

export const Mutation: MutationResolvers = {
  async updateEventStatus(_parent, { id, status, closeReason, reasonText }, context) {
    checkEventId(id);
    if (status !== 'CLOSED' && (closeReason != null || reasonText != null)) {
      throw badUserInput('`closeReason` and `reasonText` are only accepted with `status: CLOSED`.', {
        argument: closeReason != null ? 'closeReason' : 'reasonText',
      });
    }
    if (reasonText != null && reasonText.length > MAX_REASON_TEXT) {
      throw badUserInput(`\`reasonText\` must be at most ${MAX_REASON_TEXT} characters long.`, { argument: 'reasonText' });
    }
    return context.pvwa().updateEvent(id, { status, closeReason, reasonText });
  },

  // Logon and its challenge need no session: a stale session cookie is ignored there.
  logon: (_parent, { input }, context) => context.session.logon(input),

  respondToLogonChallenge: (_parent, { challengeId, response, delivery }, context) =>
    context.session.respondToChallenge(challengeId, response, delivery ?? 'TOKEN'),

  logoff: (_parent, _args, context) => context.session.logoff(),
};

export const LogonResult: LogonResultResolvers = {
  __resolveType: (result) => ('challengeId' in result ? 'LogonChallenge' : 'LogonSuccess'),
};
