import type { QueryResolvers } from '../generated/resolvers-types.js';
import { checkEventId, pageSize } from '../input.js';
import { readFiltered } from '../filter.js';
import { decodeCursor, paginate } from '../page.js';

export const Query: QueryResolvers = {
  async securityEvents(_parent, { filter, first, after }, context) {
    const size = pageSize(first);
    const cursor = after != null ? decodeCursor(after) : null;
    const { events, keep } = await readFiltered(filter, context.loaders);
    return paginate(keep ? events.filter(keep) : events, size, cursor);
  },

  securityEvent(_parent, { id }, context) {
    checkEventId(id);
    return context.loaders.eventById.load(id);
  },

  session(_parent, _args, context) {
    return context.session();
  },
};
