import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { prng } from '../src/simulator/data.js';
import { eventCalls, startHarness, type Harness } from './support/harness.js';

type Json = Record<string, any>;
type Count = { total: number; open: number };

/** The gateway's clock in these tests: 2026-01-20T15:30:00Z, "today" 2026-01-20. */
const NOW = Date.UTC(2026, 0, 20, 15, 30);
const DAY = 86_400_000;
const OVERLAP = 10_000;
const TYPES = ['VaultViaIrregularIp', 'PSMSuspiciousActivity', 'SuspectedCredentialsTheft', 'UnmanagedPrivilegedAccess'];
const ACCOUNTS = Array.from({ length: 14 }, (_, i) => `user${i}@cybr.com`);
const SOURCES = Array.from({ length: 12 }, (_, i) => (i % 2 ? `10.0.${i}.7` : `host${i}.cybr.com`));
const EDGES = [0, 24.999, 25, 50, 75, 99.99, 100];
/** Days back from today that get events; 4 and 13 get none (their zeros are kept). */
const DAYS_BACK = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 45];
const startOfDay = (daysBack: number) => Math.floor(NOW / DAY) * DAY - daysBack * DAY;

/**
 * `n` PVWA events of `owner` for the counting tests, from `seed`: scores on the band edges (and
 * between), createTimes over most of the last 20 days (some older, some in seconds, two on the
 * edges of the 20-day window), statuses in any case, 0 to 4 audits with several accounts and
 * sources per event (some repeated in an event) and audits without an account or a source.
 */
function statsEvents(owner: string, n: number, seed: number): Json[] {
  const random = prng(seed);
  // Skewed, so the top lists have a clear order at their head and ties further down.
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() ** 2 * list.length)];
  return Array.from({ length: n }, (_, i) => {
    const lastUpdateTime = NOW - (i + 1) * 60_000;
    const back = pick(DAYS_BACK);
    let createTime: number | string = startOfDay(back) + Math.floor(random() * (back === 0 ? NOW - startOfDay(0) : DAY));
    if (i === 1) createTime = startOfDay(19); // the first day of byDay(days: 20), at 00:00:00.000
    if (i === 2) createTime = startOfDay(19) - 1; // the day before it, at 23:59:59.999
    if (i % 17 === 5) createTime = Math.floor(createTime / 1000); // seconds, as one PVWA docs page says
    if (i % 19 === 7) createTime = String(createTime);
    const status = random() < 0.6 ? 'OPEN' : 'CLOSED';
    const event: Json = {
      id: `${owner}-${String(i).padStart(4, '0')}`,
      type: pick(TYPES),
      score: i < EDGES.length * 3 ? EDGES[i % EDGES.length] : Math.round(random() * 10_000) / 100,
      createTime,
      lastUpdateTime,
      mStatus: i % 23 === 3 ? status.toLowerCase() : status,
    };
    if (i % 11 === 4) return event; // no audits at all
    const audits: Json[] = [];
    const auditCount = Math.floor(random() * 5);
    for (let a = 0; a < auditCount; a++) {
      const audit: Json = { id: `${event.id}-a${a}`, type: 'VAULT_LOGON', createTime: lastUpdateTime };
      const roll = random();
      if (roll < 0.65) {
        // On the previous audit's account now and then: the event counts once for it.
        const name = a > 0 && random() < 0.3 && audits[a - 1].account?.accountAsStr ? audits[a - 1].account.accountAsStr : pick(ACCOUNTS);
        audit.account = { accountAsStr: name, type: 'DOMAIN', account: { mUser: name.split('@')[0], mDomain: 'cybr.com' } };
        audit.accountId = `${20 + ACCOUNTS.indexOf(name)}_1`;
      } else if (roll < 0.75) {
        audit.account = { type: 'DOMAIN' }; // an account the graph shows without asString
      }
      const where = random();
      if (where < 0.7) audit.source = { mOriginalAddress: pick(SOURCES) };
      else if (where < 0.8) audit.source = { mResolvedAddress: { mAddress: '10.9.9.9' } }; // no originalAddress
      audits.push(audit);
    }
    event.audits = audits;
    return event;
  });
}

/** Epoch ms of a PVWA time as the PVWA docs allow it: ms, or seconds below 1e11, as a number or a string. */
const ms = (time: number | string) => (Number(time) < 1e11 ? Number(time) * 1000 : Number(time));
const isOpen = (event: Json) => String(event.mStatus).toUpperCase() === 'OPEN';
const tally = (events: Json[]): Count => ({ total: events.length, open: events.filter(isOpen).length });
const byCountThenName = <T extends Count>(name: (row: T) => string) => (a: T, b: T) => b.total - a.total || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);

/** What securityEventStats must answer for `events`, counted here, independently of the gateway's code. */
function expectedStats(events: Json[], days: number, limit: number): Json {
  const namesOf = (event: Json, name: (audit: Json) => unknown) => (event.audits ?? []).map(name).filter((value: unknown): value is string => typeof value === 'string');
  const top = (name: (audit: Json) => unknown, key: string) => {
    const names = [...new Set(events.flatMap((event) => namesOf(event, name)))];
    return names
      .map((value) => ({ [key]: value, ...tally(events.filter((event) => namesOf(event, name).includes(value))) }))
      .sort(byCountThenName((row: Json) => row[key]))
      .slice(0, limit);
  };
  return {
    total: events.length,
    open: events.filter(isOpen).length,
    closed: events.filter((event) => !isOpen(event)).length,
    byType: [...new Set(events.map((event) => event.type as string))]
      .map((type) => ({ type, ...tally(events.filter((event) => event.type === type)) }))
      .sort(byCountThenName((row: Json) => row.type)),
    byScore: [[0, 25], [25, 50], [50, 75], [75, 100]].map(([min, max]) => ({
      min, max, ...tally(events.filter((event) => event.score >= min && (event.score < max || (max === 100 && event.score === 100)))),
    })),
    byDay: Array.from({ length: days }, (_, k) => {
      const date = new Date(NOW - (days - 1 - k) * DAY).toISOString().slice(0, 10);
      return { date, ...tally(events.filter((event) => new Date(ms(event.createTime)).toISOString().startsWith(date))) };
    }),
    topAccounts: top((audit) => audit.account?.accountAsStr, 'account'),
    topSources: top((audit) => audit.source?.mOriginalAddress, 'address'),
  };
}

const STATS = `query Stats($filter: SecurityEventFilter, $days: Int, $limit: Int) {
  securityEventStats(filter: $filter) {
    total open closed
    byType { type total open }
    byScore { min max total open }
    byDay(days: $days) { date total open }
    topAccounts(limit: $limit) { account total open }
    topSources(limit: $limit) { address total open }
  }
  securityEvents(filter: $filter, first: 1) { totalCount }
}`;

async function stats(h: Harness, token: string, variables: Json = {}): Promise<{ stats: Json; totalCount: number }> {
  const { body } = await h.gql(STATS, variables, { token });
  expect(body.errors).toBeUndefined();
  return { stats: body.data!.securityEventStats, totalCount: body.data!.securityEvents.totalCount };
}

describe('securityEventStats', () => {
  const events = statsEvents('s', 160, 23);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: () => NOW, env: { LOG_LEVEL: 'info' } });
    h.sim.setEvents('stats', events);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('has test data on every edge it is about', () => {
    expect(EDGES.every((score) => events.some((event) => event.score === score))).toBe(true);
    const days = new Set(events.map((event) => Math.floor(ms(event.createTime) / DAY)));
    expect(Array.from({ length: 20 }, (_, k) => days.has(Math.floor(NOW / DAY) - k)).filter(Boolean)).toHaveLength(18);
    const audits = events.flatMap((event) => event.audits ?? []);
    expect(audits.some((audit) => !audit.account)).toBe(true);
    expect(audits.some((audit) => audit.account && !audit.account.accountAsStr)).toBe(true);
    expect(audits.some((audit) => !audit.source?.mOriginalAddress)).toBe(true);
    const repeated = (event: Json) => new Set((event.audits ?? []).map((audit: Json) => audit.account?.accountAsStr).filter(Boolean)).size;
    expect(events.some((event) => repeated(event) >= 2)).toBe(true);
    expect(events.some((event) => (event.audits ?? []).filter((audit: Json) => audit.account?.accountAsStr).length > repeated(event))).toBe(true);
    expect(events.some((event) => event.audits === undefined)).toBe(true);
  });

  it('answers every field as counted independently, with the defaults (14 days, 10 entries)', async () => {
    const { stats: answer, totalCount } = await stats(h, 'stats');
    expect(answer).toEqual(expectedStats(events, 14, 10));
    expect(answer.total).toBe(160);
    expect(totalCount).toBe(160);
    expect(answer.topAccounts).toHaveLength(10);
  });

  it.each([
    [1, 1],
    [20, 100],
    [366, 3],
  ])('answers byDay(days: %i) and the top lists with limit %i', async (days, limit) => {
    const { stats: answer } = await stats(h, 'stats', { days, limit });
    expect(answer).toEqual(expectedStats(events, days, limit));
    expect(answer.byDay).toHaveLength(days);
  });

  it.each<[string, Json, (event: Json) => boolean]>([
    ['status: OPEN', { status: 'OPEN' }, isOpen],
    ['types and minScore', { types: [TYPES[0], TYPES[2]], minScore: 50 }, (event) => [TYPES[0], TYPES[2]].includes(event.type) && event.score >= 50],
    ['updatedSince', { updatedSince: new Date(NOW - 90 * 60_000).toISOString() }, (event) => event.lastUpdateTime >= NOW - 90 * 60_000],
    ['accountId (the PVWA filters)', { accountId: '21_1' }, (event) => (event.audits ?? []).some((audit: Json) => audit.accountId === '21_1')],
    ['a filter nothing matches', { types: ['NoSuchType'] }, () => false],
  ])('counts exactly the events securityEvents lists for the filter %s', async (_name, filter, keep) => {
    const kept = events.filter(keep);
    expect(kept.length).toBeLessThan(events.length);
    const { stats: answer, totalCount } = await stats(h, 'stats', { filter, days: 20 });
    expect(answer).toEqual(expectedStats(kept, 20, 10));
    expect(totalCount).toBe(kept.length);
  });

  it('costs one delta GET on a warm session, executed or served again, and shows a change made upstream', async () => {
    h.sim.setEvents('warm', statsEvents('w', 60, 5));
    await stats(h, 'warm');
    h.sim.clearRequests();
    const delta = { fromUpdateDate: String(NOW - 60_000 - OVERLAP) };

    const executed = await h.gql('{ securityEventStats { total open byDay(days: 3) { date total } } }', {}, { token: 'warm' });
    expect(eventCalls(h.sim).map((call) => call.query)).toEqual([delta]);
    const again = await h.gql('{ securityEventStats { total open byDay(days: 3) { date total } } }', {}, { token: 'warm' });
    expect(again.body).toEqual(executed.body);
    expect(eventCalls(h.sim).map((call) => call.query)).toEqual([delta, delta]);
    expect(h.logs.filter((line) => line.msg === 'graphql request').slice(-2).map((line) => [line.read, line.rendered ?? false])).toEqual([['delta', false], ['delta', true]]);

    const open = executed.body.data!.securityEventStats.open;
    const id = String(h.sim.eventsOf('warm').find(isOpen)!.id);
    h.sim.changeEvent('warm', id, { mStatus: 'CLOSED' });
    const after = await h.gql('{ securityEventStats { total open } }', {}, { token: 'warm' });
    expect(after.body.data!.securityEventStats).toEqual({ total: 60, open: open - 1 });
    expect(eventCalls(h.sim)).toHaveLength(3);
  });

  it('gives two sessions under concurrency their own counts', async () => {
    const alpha = statsEvents('alpha', 90, 101);
    const beta = statsEvents('beta', 40, 202);
    h.sim.setEvents('alpha', alpha);
    h.sim.setEvents('beta', beta);
    const tokens = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 'beta' : 'alpha'));
    const answers = await Promise.all(tokens.map((token, i) => stats(h, token, { days: 20, limit: 5 + (i % 2) })));
    answers.forEach(({ stats: answer }, i) => {
      expect(answer).toEqual(expectedStats(tokens[i] === 'alpha' ? alpha : beta, 20, 5 + (i % 2)));
    });
    // Both sessions read their events, each with its own token, and no other token reached the PVWA.
    expect([...new Set(eventCalls(h.sim).map((call) => call.headers.authorization))].sort()).toEqual(['alpha', 'beta']);
  });

  describe('refuses bad arguments with BAD_USER_INPUT and no PVWA call', () => {
    it.each<[string, Json, string]>([
      ['byDay(days: $n) { date }', { n: 0 }, 'days'],
      ['byDay(days: $n) { date }', { n: 367 }, 'days'],
      ['byDay(days: $n) { date }', { n: -1 }, 'days'],
      ['topAccounts(limit: $n) { account }', { n: 0 }, 'limit'],
      ['topAccounts(limit: $n) { account }', { n: 101 }, 'limit'],
      ['topSources(limit: $n) { address }', { n: 0 }, 'limit'],
      ['topSources(limit: $n) { address }', { n: 101 }, 'limit'],
    ])('%s with %j', async (field, variables, argument) => {
      const { body } = await h.gql(`query($n: Int) { securityEventStats { total ${field} } }`, variables, { token: 'stats' });
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]).toMatchObject({ path: ['securityEventStats'], extensions: { code: 'BAD_USER_INPUT', argument } });
      expect(h.sim.requests).toHaveLength(0);
    });

    it('finds them in literals, aliases and fragments; one left out by @skip is not read', async () => {
      const inFragment = await h.gql(
        'query($d: Int) { securityEventStats { ... on SecurityEventStats { ...Days } } } fragment Days on SecurityEventStats { last: byDay(days: $d) { date } }',
        { d: 400 }, { token: 'stats' },
      );
      expect(inFragment.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'days' });
      const literal = await h.gql('{ securityEventStats { a: topSources(limit: 5) { address } b: topSources(limit: 500) { address } } }', {}, { token: 'stats' });
      expect(literal.body.errors![0]).toMatchObject({ message: '`topSources(limit:)` must be between 1 and 100.', extensions: { code: 'BAD_USER_INPUT', argument: 'limit' } });
      expect(h.sim.requests).toHaveLength(0);

      const skipped = await h.gql('{ securityEventStats { total byDay(days: 0) @skip(if: true) { date } } }', {}, { token: 'stats' });
      expect(skipped.body).toEqual({ data: { securityEventStats: { total: 160 } } });
    });

    it('a bad filter.accountId, and no session at all', async () => {
      const bad = await h.gql('{ securityEventStats(filter: { accountId: "a/b" }) { total } }', {}, { token: 'stats' });
      expect(bad.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'filter.accountId' });
      const none = await h.gql('{ securityEventStats { total } }', {}, { token: null });
      expect(none.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(h.sim.requests).toHaveLength(0);
    });
  });
});

describe('securityEventStats with snapshots off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: () => NOW, env: { PVWA_SNAPSHOT_MAX_AGE_MS: '0' } });
  });
  afterAll(() => h.close());

  it("counts the PVWA's filtered list as securityEvents does, one GET", async () => {
    const events = statsEvents('off', 80, 7);
    h.sim.setEvents('off', events);
    h.sim.clearRequests();
    const { stats: answer, totalCount } = await stats(h, 'off', { filter: { status: 'CLOSED' }, days: 20 });
    const closed = events.filter((event) => !isOpen(event));
    expect(answer).toEqual(expectedStats(closed, 20, 10));
    expect(totalCount).toBe(closed.length);
    expect(eventCalls(h.sim).map((call) => call.query)).toEqual([{ status: 'CLOSED' }]);
  });
});

describe("the README's dashboard example", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Dashboard counts'), readme.indexOf('## Mutations'));
  const between = (name: string) => JSON.parse(section.split(`<!-- ${name}:start -->`)[1].split(`<!-- ${name}:end -->`)[0].replace(/```(json)?/g, ''));
  const query = JSON.parse(/-d '(\{.*\})'/.exec(section)![1]).query as string;

  it.each<[string, string, (data: Json) => unknown, string]>([
    ['the answer on the day it was run', '2026-12-06T12:00:00Z', (data) => data, 'dashboard-answer'],
    ['byDay with the clock at 2025-12-31T18:00Z', '2025-12-31T18:00:00Z', (data) => data.data.securityEventStats.byDay, 'dashboard-byday'],
  ])('is what the simulator\'s demo data gives: %s', async (_name, clock, part, block) => {
    const h = await startHarness({ simulator: { eventCount: 240 }, now: () => Date.parse(clock) });
    try {
      const { body } = await h.gql(query);
      expect(part(body)).toEqual(between(block));
    } finally {
      await h.close();
    }
  });
});
