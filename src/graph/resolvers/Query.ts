import type { PvwaEventQuery } from '../../pvwa/types.js';
import type { QueryResolvers, SecurityEventFilter } from '../generated/resolvers-types.js';
import { checkEventId, pageSize } from '../input.js';
import { eventFilter } from '../filter.js';
import { decodeCursor, paginate } from '../page.js';

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

export const Query: QueryResolvers = {
  async securityEvents(_parent, { filter, first, after }, context) {
    const size = pageSize(first);
    const cursor = after != null ? decodeCursor(after) : null;
    const query = upstreamQuery(filter);
    const keep = eventFilter(filter);
    const sorted = await context.loaders.events.load(query);
    return paginate(keep ? sorted.filter(keep) : sorted, size, cursor);
  },

  securityEvent(_parent, { id }, context) {
    checkEventId(id);
    return context.loaders.eventById.load(id);
  },
};
