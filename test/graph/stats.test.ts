import { describe, expect, it } from '@jest/globals';
import { sortEvents } from '../../src/events/order.js';
import { countEvents, dateOf, dayCounts, dayOf, ranked, scoreBand } from '../../src/graph/stats.js';
import type { PvwaEvent } from '../../src/pvwa/types.js';
import { prng } from '../../src/simulator/data.js';

type Json = Record<string, any>;

/** 2026-01-20T15:30:00Z: "now" in these tests. */
const NOW = Date.UTC(2026, 0, 20, 15, 30);
const DAY = 86_400_000;

let next = 0;
function event(fields: Json): PvwaEvent {
  const i = next++;
  return { id: `e${i}`, type: 'A', score: 10, createTime: NOW - DAY, lastUpdateTime: NOW - i * 1000, mStatus: 'OPEN', ...fields } as PvwaEvent;
}
const audit = (account?: string, source?: string): Json => ({
  id: `a${next++}`, type: 'VAULT_LOGON', createTime: NOW,
  ...(account !== undefined ? { account: { accountAsStr: account } } : {}),
  ...(source !== undefined ? { source: { mOriginalAddress: source } } : {}),
});
const count = (events: PvwaEvent[], keep: ((e: any) => boolean) | null = null) => countEvents(sortEvents(events), keep, NOW);

describe('securityEventStats counting (graph/stats.ts)', () => {
  it('puts scores on the band edges in their bands, 100 in the last, and scores outside 0 to 100 in none', () => {
    expect([0, 24.999, 25, 49.999999, 50, 74.99, 75, 99.99, 100].map(scoreBand)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 3]);
    expect([-0.001, 100.0001, Number.NaN, Number.POSITIVE_INFINITY].map(scoreBand)).toEqual([-1, -1, -1, -1]);
    const stats = count([0, 24.999, 25, 50, 75, 99.99, 100, 100.5].map((score, i) => event({ score, mStatus: i % 2 ? 'CLOSED' : 'OPEN' })));
    expect(stats.bands).toEqual([
      { total: 2, open: 1 },
      { total: 1, open: 1 },
      { total: 1, open: 0 },
      { total: 3, open: 2 },
    ]);
    // The event scored 100.5 counts in the total, in no band.
    expect(stats.total).toBe(8);
  });

  it('counts open and total, by type, and only the events the filter keeps', () => {
    const events = [
      event({ type: 'B' }), event({ type: 'A', mStatus: 'closed' }), event({ type: 'B', mStatus: 'CLOSED' }),
      event({ type: 'C', score: 90 }), event({ type: 'A' }),
    ];
    const all = count(events);
    expect({ total: all.total, open: all.open }).toEqual({ total: 5, open: 3 });
    expect(ranked(all.types)).toEqual([['A', { total: 2, open: 1 }], ['B', { total: 2, open: 1 }], ['C', { total: 1, open: 1 }]]);
    const high = count(events, (entry) => entry.event.score >= 50);
    expect({ total: high.total, open: high.open, types: [...high.types] }).toEqual({ total: 1, open: 1, types: [['C', { total: 1, open: 1 }]] });
  });

  it('counts days by createTime in UTC (seconds read as the graph reads them), oldest first, zeros kept', () => {
    const today = dayOf(NOW);
    const stats = count([
      event({ createTime: Date.UTC(2026, 0, 20, 0, 0, 0, 0) }),
      event({ createTime: Date.UTC(2026, 0, 19, 23, 59, 59, 999), mStatus: 'CLOSED' }),
      event({ createTime: Date.UTC(2026, 0, 18, 12) / 1000 }),
      event({ createTime: String(Date.UTC(2026, 0, 18, 1)) }),
      event({ createTime: Date.UTC(2026, 0, 1) }),
      event({ createTime: Date.UTC(2025, 0, 20) - 1 }), // the day before the 366th day back
      event({ createTime: Date.UTC(2026, 0, 21) }), // tomorrow (a PVWA clock ahead of the gateway's)
    ]);
    expect(stats.today).toBe(today);
    expect(dateOf(today)).toBe('2026-01-20');
    expect(dayCounts(stats, 4)).toEqual([
      { date: '2026-01-17', total: 0, open: 0 },
      { date: '2026-01-18', total: 2, open: 2 },
      { date: '2026-01-19', total: 1, open: 0 },
      { date: '2026-01-20', total: 1, open: 1 },
    ]);
    expect(dayCounts(stats, 1)).toEqual([{ date: '2026-01-20', total: 1, open: 1 }]);
    expect(dayCounts(stats, 366)).toHaveLength(366);
    expect(dayCounts(stats, 366)[0].date).toBe('2025-01-20');
    expect(dayCounts(stats, 20).find((day) => day.date === '2026-01-01')).toEqual({ date: '2026-01-01', total: 1, open: 1 });
    // In the total, in no day.
    expect(stats.total).toBe(7);
    expect(dayCounts(stats, 366).reduce((sum, day) => sum + day.total, 0)).toBe(5);
  });

  it('counts an event once per distinct account and source; audits without one are not counted', () => {
    const stats = count([
      event({ audits: [audit('x@d', '10.0.0.1'), audit('x@d', '10.0.0.1'), audit('y@d', '10.0.0.2')] }),
      event({ mStatus: 'CLOSED', audits: [audit('y@d'), audit(undefined, '10.0.0.1'), audit()] }),
      event({ audits: [{ ...audit(), account: { type: 'DOMAIN' }, source: { mResolvedAddress: {} } }, { ...audit(), account: 'x@d', source: 7 }] }),
      event({ audits: [] }),
      event({ audits: null }),
      event({}),
    ]);
    expect(ranked(stats.accounts)).toEqual([['y@d', { total: 2, open: 1 }], ['x@d', { total: 1, open: 1 }]]);
    expect(ranked(stats.sources)).toEqual([['10.0.0.1', { total: 2, open: 1 }], ['10.0.0.2', { total: 1, open: 1 }]]);
  });

  it('ranks by total descending, then by name in code-unit order, and cuts at the limit', () => {
    const tallies = new Map([
      ['b', { total: 3, open: 0 }], ['a', { total: 1, open: 1 }], ['Z', { total: 3, open: 3 }], ['é', { total: 3, open: 1 }], ['c', { total: 1, open: 0 }],
    ]);
    expect(ranked(tallies).map(([name]) => name)).toEqual(['Z', 'b', 'é', 'a', 'c']);
    expect(ranked(tallies, 2)).toEqual([['Z', { total: 3, open: 3 }], ['b', { total: 3, open: 0 }]]);
    expect(ranked(new Map(), 10)).toEqual([]);
  });

  it('keeps, for every limit, the entries a full sort would put first, in its order', () => {
    const random = prng(7);
    // Many ties: totals 1 to 6 over 500 names.
    const tallies = new Map(Array.from({ length: 500 }, (_, i) => [`n${Math.floor(random() * 1e6)}-${i}`, { total: 1 + Math.floor(random() * 6), open: 0 }]));
    const sorted = [...tallies].sort(([aName, a], [bName, b]) => b.total - a.total || (aName < bName ? -1 : 1));
    for (const limit of [1, 2, 10, 99, 100, 499, 500, 501]) expect(ranked(tallies, limit)).toEqual(sorted.slice(0, limit));
  });

  it("does not change the list it reads (the snapshot's own)", () => {
    const list = Object.freeze(sortEvents([event({ audits: [audit('x@d', 's')] }), event({ score: 80 })]).map((entry) => Object.freeze(entry)));
    expect(countEvents(list, (entry) => entry.event.score > 50, NOW).total).toBe(1);
    expect(countEvents(list, null, NOW).total).toBe(2);
  });
});
