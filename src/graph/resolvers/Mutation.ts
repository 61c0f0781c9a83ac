import { badUserInput } from '../../errors.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';
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
    const event = await context.pvwa().updateEvent(id, { status, closeReason, reasonText });
    context.wroteEvent(event);
    return event;
  },
};
