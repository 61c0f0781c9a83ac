import type { SecurityEventConnectionResolvers } from '../generated/resolvers-types.js';
import { encodeCursor } from '../page.js';

export const SecurityEventConnection: SecurityEventConnectionResolvers = {
  edges: (page) => page.items.map((item) => ({ cursor: encodeCursor(item), node: item.event })),
  nodes: (page) => page.items.map((item) => item.event),
  pageInfo: ({ items, hasNextPage, hasPreviousPage }) => ({
    hasNextPage,
    hasPreviousPage,
    startCursor: items.length > 0 ? encodeCursor(items[0]) : null,
    endCursor: items.length > 0 ? encodeCursor(items[items.length - 1]) : null,
  }),
};
