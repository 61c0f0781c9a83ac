import { describe, expect, it } from '@jest/globals';
import { decodeRiskCursor, encodeRiskCursor, listDigest, pvwaWindow, riskPage } from '../../src/graph/risk-page.js';
import type { RiskEventList } from '../../src/pvwa/risk-types.js';

const LIST: RiskEventList = { sort: 'DETECTION_TIME' };
const risk = (id: string) => ({ id, type: 'RISK_RISKY_SPN', status: 'OPEN', detectionTime: 1_700_000_000_000 });

describe('the PVWA pages of a page', () => {
  it.each([
    // offset, first -> PVWA size, pages, items skipped on the first
    [0, 25, { size: 25, pages: [0], skip: 0 }],
    [50, 25, { size: 25, pages: [2], skip: 0 }],
    [125, 25, { size: 25, pages: [5], skip: 0 }],
    [10, 25, { size: 25, pages: [0, 1], skip: 10 }],
    [49, 25, { size: 25, pages: [1, 2], skip: 24 }],
    [7, 1, { size: 1, pages: [7], skip: 0 }],
    [999, 500, { size: 500, pages: [1, 2], skip: 499 }],
  ])('from offset %i, first %i: %j', (offset, first, window) => {
    expect(pvwaWindow(offset, first)).toEqual(window);
  });

  it('cuts the page out of two PVWA pages, keeping each item position, and reads the total from the first answer', () => {
    const answers = [
      { entities: ['p0', 'p1', 'p2', 'p3'].map(risk), totalEntities: 10 },
      { entities: ['p4', { id: 'p5' }, 'p6', 'p7'].map((item) => (typeof item === 'string' ? risk(item) : item)), totalEntities: 10 },
    ];
    const { page, skipped } = riskPage(answers, pvwaWindow(6, 4), 6, 4, 'digest');
    expect(page.items.map(({ position, event }) => [position, event.id])).toEqual([[6, 'p2'], [7, 'p3'], [8, 'p4']]);
    expect(skipped).toEqual([{ eventId: 'p5', problem: 'type is missing' }]);
    expect(page).toMatchObject({ endPosition: 9, totalCount: 10, hasNextPage: false, hasPreviousPage: true });
  });

  it('ends the walk when the PVWA sends an empty page, whatever its total says', () => {
    const { page } = riskPage([{ entities: [], totalEntities: 40 }], pvwaWindow(25, 25), 25, 25, 'digest');
    expect(page).toMatchObject({ items: [], endPosition: null, hasNextPage: false, hasPreviousPage: true });
  });
});

describe('risk cursors', () => {
  const digest = listDigest(LIST);

  it('round-trip a position, bound to the filter and sort', () => {
    const cursor = encodeRiskCursor(24, digest);
    expect(Buffer.from(cursor, 'base64url').toString('utf8')).toBe(`r1:24:${digest}`);
    expect(decodeRiskCursor(cursor, digest)).toBe(24);
  });

  it('give each filter and sort its own digest, and equal lists the same one', () => {
    const lists: RiskEventList[] = [
      LIST, { sort: 'SCORE' }, { sort: 'DETECTION_TIME', status: 'OPEN' }, { sort: 'DETECTION_TIME', type: 'RISK_RISKY_SPN' },
      { sort: 'DETECTION_TIME', detectedFrom: 1 }, { sort: 'DETECTION_TIME', detectedTo: 1 },
    ];
    expect(new Set(lists.map(listDigest)).size).toBe(lists.length);
    expect(listDigest({ status: 'OPEN', sort: 'DETECTION_TIME' })).toBe(listDigest({ sort: 'DETECTION_TIME', status: 'OPEN' }));
  });

  it('refuses a cursor of another list', () => {
    const cursor = encodeRiskCursor(3, listDigest({ sort: 'SCORE' }));
    expect(() => decodeRiskCursor(cursor, digest)).toThrow('`after` is a cursor of another filter or sort');
  });

  it.each([
    ['a security event cursor', Buffer.from('e1:1700000000123:abc').toString('base64url')],
    ['another version', Buffer.from(`r2:1:${'A'.repeat(16)}`).toString('base64url')],
    ['a negative position', Buffer.from(`r1:-1:${'A'.repeat(16)}`).toString('base64url')],
    ['a position with a leading zero', Buffer.from(`r1:01:${'A'.repeat(16)}`).toString('base64url')],
    ['a position of ten digits', Buffer.from(`r1:1000000000:${'A'.repeat(16)}`).toString('base64url')],
    ['a short digest', Buffer.from('r1:1:AAAA').toString('base64url')],
    ['padded base64', `${encodeRiskCursor(1, 'A'.repeat(16))}=`],
    ['not base64url', 'nope!'],
    ['empty', ''],
    ['too long', 'A'.repeat(65)],
  ])('refuses %s with BAD_USER_INPUT on `after`', (_what, cursor) => {
    expect(() => decodeRiskCursor(cursor, digest)).toThrow(expect.objectContaining({
      message: '`after` is not a cursor of `riskEvents`; pass a pageInfo.endCursor or edge cursor.',
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    }));
  });
});
