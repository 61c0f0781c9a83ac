import type { SortedEvent } from '../events/types.js';
import type { PvwaEventQuery } from '../pvwa/types.js';
import type { SecurityEventFilter } from './generated/resolvers-types.js';
import { checkEventId } from './input.js';
import type { Loaders } from './loaders.js';
import { id } from './map.js';

/** A filter over the session's events as the gateway applies it; null keeps them all. */
export type EventPredicate = (item: SortedEvent) => boolean;

/**
 * The events a query over `filter` reads, the one way every such query reads them (so
 * `securityEvents` and `securityEventStats` count the same events): the request's loader list for
 * the filter's PVWA query, in page order, and the gateway's filter to apply over it (null: keep
 * all). The list is the loader's own (the snapshot's): read it, do not change it.
 */
export async function readFiltered(filter: SecurityEventFilter | null | undefined, loaders: Pick<Loaders, 'events'>): Promise<{ events: SortedEvent[]; keep: EventPredicate | null }> {
  const query = upstreamQuery(filter);
  const keep = eventFilter(filter);
  return { events: await loaders.events.load(query), keep };
}

/**
 * The filter as PVWA query parameters. With snapshots on only `accountID` is sent (the snapshot
 * source keys by it alone); the gateway applies the rest over the snapshot.
 */
function upstreamQuery(filter: SecurityEventFilter | null | undefined): PvwaEventQuery {
  const query: PvwaEventQuery = {};
  if (!filter) return query;
  if (filter.status != null) query.status = filter.status;
  if (filter.updatedSince != null) query.fromUpdateDate = filter.updatedSince.getTime();
  if (filter.accountId != null) {
    checkEventId(filter.accountId, 'filter.accountId');
    query.accountID = filter.accountId;
  }
  return query;
}

/**
 * The read side's filter semantics, applied by the gateway over mapped values: types and
 * minScore, which the PVWA does not know, and status and updatedSince, which a snapshot holds
 * unfiltered and a PVWA older than 11.3 ignores. Null when the filter keeps everything.
 * `accountId` is the PVWA's (a snapshot per accountID) except where `withAccount` asks for it
 * here too (live events come from the whole list).
 */
export function eventFilter(filter: SecurityEventFilter | null | undefined, options: { withAccount?: boolean } = {}): EventPredicate | null {
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
