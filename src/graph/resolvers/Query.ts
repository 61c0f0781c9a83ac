import { badUserInput } from '../../errors.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';
import { checkEventId, MAX_PAGE_SIZE } from '../input.js';
import { readFiltered } from '../filter.js';
import { decodeCursor, paginate } from '../page.js';

export const Query: QueryResolvers = {
  async securityEvents(_parent, { filter, first, after }, context) {
    const size = first ?? 50;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw badUserInput(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
    }
    const cursor = after != null ? decodeCursor(after) : null;
    const { events, keep } = await readFiltered(filter, context.loaders);
    return paginate(keep ? events.filter(keep) : events, size, cursor);
  },

  securityEvent(_parent, { id }, context) {
    checkEventId(id);
    return context.loaders.eventById.load(id);
  },
};
