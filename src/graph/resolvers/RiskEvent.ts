import type { PvwaRiskSummaryAttribute } from '../../pvwa/risk-types.js';
import { isObject, pvwaStatus } from '../../pvwa/validate.js';
import type {
  RiskEventConnectionResolvers, RiskEventResolvers, RiskSummaryAttribute, RiskSummaryResolvers,
} from '../generated/resolvers-types.js';
import { num, obj, str, toCloseReason, toDate, toInt } from '../map.js';
import { passThrough } from '../passthrough.js';
import { encodeRiskCursor } from '../risk-page.js';

// The parent is the PVWA's risk event as it came (checked by riskEventProblem): id and type pass
// through; riskAccount and riskService, whose shapes nobody documents, pass through whole.
export const RiskEvent: RiskEventResolvers = {
  score: (risk) => num(risk.score),
  status: (risk) => pvwaStatus(risk.status)!,
  detectionTime: (risk) => toDate(risk.detectionTime)!,
  closeReason: (risk) => toCloseReason(risk.closeReason),
  reasonText: (risk) => str(risk.reasonText),
  account: (risk, _args, context) => passThrough(obj(risk.riskAccount) ?? {}, { eventId: risk.id, field: 'account', what: 'risk event' }, context),
  service: (risk, _args, context) => passThrough(obj(risk.riskService) ?? {}, { eventId: risk.id, field: 'service', what: 'risk event' }, context),
};

export const RiskEventConnection: RiskEventConnectionResolvers = {
  edges: ({ items, digest }) => items.map(({ position, event }) => ({ cursor: encodeRiskCursor(position, digest), node: event })),
  nodes: ({ items }) => items.map(({ event }) => event),
  pageInfo: ({ items, endPosition, digest, hasNextPage, hasPreviousPage }) => ({
    hasNextPage,
    hasPreviousPage,
    startCursor: items.length > 0 ? encodeRiskCursor(items[0].position, digest) : null,
    // The last position the PVWA sent, so a walk goes on past an item left out at the end of a page.
    endCursor: endPosition !== null ? encodeRiskCursor(endPosition, digest) : null,
  }),
};

export const RiskSummary: RiskSummaryResolvers = {
  score: (summary) => num(summary.score),
  attributes: (summary) => (Array.isArray(summary.attributes) ? summary.attributes.flatMap(attribute) : []),
};

/** An attribute with a kind and a count; anything else is left out. */
function attribute(value: PvwaRiskSummaryAttribute): RiskSummaryAttribute[] {
  if (!isObject(value)) return [];
  const attributeType = str(value.attributeType);
  const amount = toInt(value.amount);
  return attributeType !== null && amount !== null ? [{ attributeType, amount }] : [];
}
