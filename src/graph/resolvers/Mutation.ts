import { badUserInput } from '../../errors.js';
import type { PvwaEventPatch } from '../../pvwa/types.js';
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
    const patch: PvwaEventPatch = { mStatus: status };
    // closeReason arrives as the PVWA's own value (the enum's internal value: NOT_REAL is NOTREAL).
    if (closeReason != null) patch.closeReason = closeReason;
    if (reasonText != null) patch.reasonText = reasonText;
    return context.pvwa().updateEvent(id, patch);
  },
};
