import type { SecurityEventFilter } from './generated/resolvers-types.js';
import { checkEventId } from './input.js';
import { id } from './map.js';
import type { SortedEvent } from '../events/types.js';

/**
 * The read side's filter semantics, applied by the gateway over mapped values: types and
 * minScore, which the PVWA does not know, and status and updatedSince, which a snapshot holds
 * unfiltered and a PVWA older than 11.3 ignores. Null when the filter keeps everything.
 * `accountId` is the PVWA's (a snapshot per accountID) except where `withAccount` asks for it
 * here too (live events come from the whole list).
 */
export function eventFilter(filter: SecurityEventFilter | null | undefined, options: { withAccount?: boolean } = {}): ((item: SortedEvent) => boolean) | null {
  if (!filter) return null;
  const { status, updatedSince, types, minScore } = filter;
  const typeSet = types != null ? new Set(types) : null;
  const since = updatedSince != null ? updatedSince.getTime() : null;
  let accountId: string | null = null;
  if (options.withAccount && filter.accountId != null) {
    checkEventId(filter.accountId, 'filter.accountId');
    accountId = filter.accountId;
  }
  if (status == null && since === null && typeSet === null && minScore == null && accountId === null) return null;
  return ({ event, time, status: eventStatus }) =>
    (status == null || eventStatus === status) &&
    (since === null || time >= since) &&
    (typeSet === null || typeSet.has(event.type)) &&
    (minScore == null || event.score >= minScore) &&
    (accountId === null || (Array.isArray(event.audits) && event.audits.some((audit) => id(audit?.accountId) === accountId)));
}
