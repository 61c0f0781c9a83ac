import { badUserInput } from '../../errors.js';
import type { PvwaEventQuery } from '../../pvwa/types.js';
import type { QueryResolvers, SecurityEventFilter } from '../generated/resolvers-types.js';
import { checkEventId, MAX_PAGE_SIZE } from '../input.js';
import { decodeCursor, paginate, type SortedEvent } from '../page.js';

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
 * What the gateway filters itself, over mapped values: types and minScore, which the PVWA does
 * not know, and status and updatedSince, which a snapshot holds unfiltered and a PVWA older than
 * 11.3 ignores.
 */
function gatewayFilter(filter: SecurityEventFilter | null | undefined): ((item: SortedEvent) => boolean) | null {
  if (!filter) return null;
  const { status, updatedSince, types, minScore } = filter;
  const typeSet = types != null ? new Set(types) : null;
  const since = updatedSince != null ? updatedSince.getTime() : null;
  if (status == null && since === null && typeSet === null && minScore == null) return null;
  return ({ event, time, status: eventStatus }) =>
    (status == null || eventStatus === status) &&
    (since === null || time >= since) &&
    (typeSet === null || typeSet.has(event.type)) &&
    (minScore == null || event.score >= minScore);
}

export const Query: QueryResolvers = {
  async securityEvents(_parent, { filter, first, after }, context) {
    const size = first ?? 50;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw badUserInput(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
    }
    const cursor = after != null ? decodeCursor(after) : null;
    const query = upstreamQuery(filter);
    const keep = gatewayFilter(filter);
    const sorted = await context.loaders.events.load(query);
    return paginate(keep ? sorted.filter(keep) : sorted, size, cursor);
  },

  securityEvent(_parent, { id }, context) {
    checkEventId(id);
    return context.loaders.eventById.load(id);
  },
};
