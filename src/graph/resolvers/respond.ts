import { viewOfError } from '../../errors.js';
import type { PvwaActionDone } from '../../telemetry/record.js';
import type { GraphContext } from '../context.js';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.js';
import { checkChangeEntireGroup, checkEventId } from '../input.js';

/**
 * The root fields of responding to an event (schema/respond.graphql): the Vault account and the
 * logged-on user, and the CPM and PSM actions. Joined into Query and Mutation by index.ts.
 */

/**
 * Sends one action and tells the request record how it ended (its `pvwa action` log line and
 * metric); answers when it was sent, by the gateway's clock. The PVWA only queues the work, so
 * that is all there is to say of a success.
 */
async function act(context: GraphContext, target: Omit<PvwaActionDone, 'outcome'>, send: () => Promise<void>): Promise<Date> {
  const requestedAt = new Date(context.now());
  try {
    await send();
  } catch (error) {
    const { code, upstreamStatus, pvwaErrorCode } = viewOfError(error);
    context.record.actionDone({ ...target, outcome: code, upstreamStatus, pvwaErrorCode });
    throw error;
  }
  context.record.actionDone({ ...target, outcome: 'OK' });
  return requestedAt;
}

export const respondQuery: Pick<QueryResolvers, 'vaultAccount' | 'me'> = {
  vaultAccount(_parent, { id }, context) {
    checkEventId(id);
    return context.loaders.accounts.load(id);
  },

  me: (_parent, _args, context) => context.loaders.me(),
};

export const respondMutation: Pick<MutationResolvers, 'requestCredentialsAction' | 'controlLiveSession'> = {
  async requestCredentialsAction(_parent, { accountId, action, changeEntireGroup }, context) {
    checkEventId(accountId, 'accountId');
    const group = checkChangeEntireGroup(action, changeEntireGroup);
    const api = context.pvwa();
    try {
      const requestedAt = await act(context, { action, accountId }, () => api.requestCredentialsAction(accountId, action, group));
      return { accountId, action, requestedAt };
    } finally {
      // Even after a failure: a call whose answer was lost may have reached the CPM.
      context.actedOnAccount(accountId);
    }
  },

  async controlLiveSession(_parent, { sessionId, action }, context) {
    checkEventId(sessionId, 'sessionId');
    const api = context.pvwa();
    const requestedAt = await act(context, { action, sessionId }, () => api.controlLiveSession(sessionId, action));
    return { sessionId, action, requestedAt };
  },
};
