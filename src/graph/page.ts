import { badUserInput } from '../errors.js';
import { compareKeys } from '../events/order.js';
import type { SortedEvent } from '../events/types.js';
import type { PvwaEvent } from '../pvwa/types.js';

/**
 * In-memory paging over the PVWA's whole list (it has no pagination of its own).
 *
 * Cursors are keyset positions, (lastUpdateTime, id) of the last event of a page, not offsets:
 * between two page requests the list is fetched anew and may have grown at the top, and an offset
 * would then repeat events. With a keyset every walk returns each event at most once, in order.
 */

export interface EventEdge {
  cursor: string;
  node: PvwaEvent;
}

/** One page: the parent of SecurityEventConnection. */
export interface EventPage {
  items: SortedEvent[];
  totalCount: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const CURSOR_PREFIX = 'e1:';

/** A position in the list: what a cursor holds. */
export interface CursorKey {
  time: number;
  id: string;
}

export function encodeCursor(item: SortedEvent): string {
  return Buffer.from(`${CURSOR_PREFIX}${item.time}:${item.event.id}`, 'utf8').toString('base64url');
}

/** A cursor back to its key; BAD_USER_INPUT for anything that is not one of ours. */
export function decodeCursor(cursor: string): CursorKey {
  const text = cursor.length <= 400 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^e1:(-?\d+(?:\.\d+)?):(.+)$/su.exec(text);
  if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor) {
    throw badUserInput('`after` is not a cursor of this API; pass a pageInfo.endCursor or edge cursor.', { argument: 'after' });
  }
  return { time: Number(match[1]), id: match[2] };
}

/** The page of `first` events after `after` (a decoded cursor), from events in page order. */
export function paginate(sorted: readonly SortedEvent[], first: number, after: CursorKey | null): EventPage {
  let start = 0;
  if (after) {
    while (start < sorted.length && compareKeys(sorted[start].time, sorted[start].event.id, after.time, after.id) <= 0) start++;
  }
  const end = Math.min(start + first, sorted.length);
  return {
    items: sorted.slice(start, end),
    totalCount: sorted.length,
    hasNextPage: end < sorted.length,
    hasPreviousPage: start > 0,
  };
}
