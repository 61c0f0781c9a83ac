import type {
  PageInfoResolvers,
  SecurityEventConnectionResolvers,
} from '../generated/resolvers-types.js';
import { encodeCursor } from '../page.js';

export const SecurityEventConnection: SecurityEventConnectionResolvers = {
  edges: (page) => page.items.map((item) => ({ cursor: encodeCursor(item), node: item.event })),
  nodes: (page) => page.items.map((item) => item.event),
  pageInfo: (page) => page,
};

export const PageInfo: PageInfoResolvers = {
  startCursor: (page) => (page.items.length > 0 ? encodeCursor(page.items[0]) : null),
  endCursor: (page) => (page.items.length > 0 ? encodeCursor(page.items[page.items.length - 1]) : null),
};
