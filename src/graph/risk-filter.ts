import { badUserInput } from '../errors.js';
import type { RiskEventList, RiskEventSort } from '../pvwa/risk-types.js';
import { riskTypeProblem } from '../pvwa/risks.js';
import type { RiskEventFilter } from './generated/resolvers-types.js';

/**
 * `riskEvents`' filter and sort as the list the PVWA is asked for, checked before any PVWA call:
 * the type must not be able to break out of the filter's quotes, and the detection window must be
 * a window (from at or before to, neither before 1970). The PVWA applies all of it.
 */
export function riskEventList(filter: RiskEventFilter | null | undefined, sort: RiskEventSort | null | undefined): RiskEventList {
  const list: RiskEventList = { sort: sort ?? 'DETECTION_TIME' };
  if (!filter) return list;
  if (filter.type != null) {
    const problem = riskTypeProblem(filter.type);
    if (problem) throw badUserInput(`\`filter.type\` ${problem}.`, { argument: 'filter.type' });
    list.type = filter.type;
  }
  if (filter.status != null) list.status = filter.status;
  if (filter.detectedFrom != null) list.detectedFrom = epochMs(filter.detectedFrom, 'filter.detectedFrom');
  if (filter.detectedTo != null) list.detectedTo = epochMs(filter.detectedTo, 'filter.detectedTo');
  if (list.detectedFrom !== undefined && list.detectedTo !== undefined && list.detectedFrom > list.detectedTo) {
    throw badUserInput('`filter.detectedFrom` must not be after `filter.detectedTo`.', { argument: 'filter.detectedFrom' });
  }
  return list;
}

function epochMs(date: Date, argument: string): number {
  const ms = date.getTime();
  if (ms < 0) throw badUserInput(`\`${argument}\` must not be before 1970.`, { argument });
  return ms;
}
