import { describe, expect, it } from '@jest/globals';
import { sortEvents } from '../../src/events/order.js';
import type { SortedEvent } from '../../src/events/types.js';
import { decodeCursor, encodeCursor, paginate } from '../../src/graph/page.js';
import type { PvwaEvent } from '../../src/pvwa/types.js';

const event = (id: string, lastUpdateTime: number) => ({ id, type: 'T', score: 1, createTime: 1, lastUpdateTime, mStatus: 'OPEN' }) as PvwaEvent;

describe('cursors', () => {
  it('round-trip a keyset position (time and id), ids with colons included', () => {
    const item: SortedEvent = { event: event('a:b:c', 1_700_000_000_123), time: 1_700_000_000_123, status: 'OPEN' };
    const cursor = encodeCursor(item);
    expect(Buffer.from(cursor, 'base64url').toString('utf8')).toBe('e1:1700000000123:a:b:c');
    const back = decodeCursor(cursor);
    expect(back.time).toBe(1_700_000_000_123);
    expect(back.id).toBe('a:b:c');
  });

  it.each([
    ['not base64url', 'nope!'],
    ['padded base64', 'ZTE6MTIzOmFi='],
    ['another prefix', Buffer.from('e2:1:x').toString('base64url')],
    ['a time that is not a number', Buffer.from('e1:abc:x').toString('base64url')],
    ['no id', Buffer.from('e1:1:').toString('base64url')],
    ['empty', ''],
    ['too long', 'A'.repeat(401)],
  ])('refuses %s with BAD_USER_INPUT on `after`', (_what, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } }));
  });
});

describe('paging', () => {
  const sorted = sortEvents([event('c', 10), event('a', 30), event('b', 30), event('d', 5)]);

  it('orders by lastUpdateTime descending, ties by id', () => {
    expect(sorted.map((s) => s.event.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('continues after a cursor by key, not by offset, even when the cursor event is gone', () => {
    const after = decodeCursor(encodeCursor(sorted[1]));
    const withoutB = sorted.filter((s) => s.event.id !== 'b');
    const page = paginate(withoutB, 10, after);
    expect(page.items.map((s) => s.event.id)).toEqual(['c', 'd']);
    expect(page).toMatchObject({ totalCount: 3, hasNextPage: false, hasPreviousPage: true });
  });

  it('says whether more follow', () => {
    expect(paginate(sorted, 2, null)).toMatchObject({ totalCount: 4, hasNextPage: true, hasPreviousPage: false });
  });
});
