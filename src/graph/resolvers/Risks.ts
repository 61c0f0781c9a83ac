import type { PvwaRiskSummary } from '../../pvwa/risk-types.js';
import { riskSummaryProblem } from '../../pvwa/risks.js';
import { partition } from '../../pvwa/validate.js';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.js';
import { checkEventId, pageSize, statusChange } from '../input.js';
import { riskEventList } from '../risk-filter.js';
import { decodeRiskCursor, listDigest, pvwaWindow, riskPage } from '../risk-page.js';
import { reportSkipped } from '../warnings.js';

/**
 * The risk API's fields of Query and Mutation (PVWA 13.2+). Every read goes to the PVWA with the
 * caller's token; nothing is kept between requests, so nothing of one session reaches another.
 */

export const riskQuery: Pick<QueryResolvers, 'riskEvents' | 'riskSummary'> = {
  async riskEvents(_parent, { filter, sort, first, after }, context) {
    const size = pageSize(first);
    const list = riskEventList(filter, sort);
    const digest = listDigest(list);
    const offset = after != null ? decodeRiskCursor(after, digest) + 1 : 0;
    const window = pvwaWindow(offset, size);
    const api = context.pvwa();
    const answers = await Promise.all(window.pages.map((page) => api.getRiskEvents({ ...list, page, size: window.size })));
    const { page, skipped } = riskPage(answers, window, offset, size, digest);
    for (const item of skipped) reportSkipped(context, 'risk event', item);
    return page;
  },

  async riskSummary(_parent, _args, context) {
    const { kept, skipped } = partition<PvwaRiskSummary>(await context.pvwa().getRiskSummary(), riskSummaryProblem);
    for (const item of skipped) reportSkipped(context, 'risk summary entry', item);
    return kept;
  },
};

export const riskMutation: Pick<MutationResolvers, 'updateRiskEventStatus'> = {
  async updateRiskEventStatus(_parent, { id, status, closeReason, reasonText }, context) {
    checkEventId(id);
    const change = statusChange(status, closeReason, reasonText);
    return context.pvwa().updateRiskEvent(id, change);
  },
};
