import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EVENT_FIELDS, eventCalls, fixture, startHarness, type Harness } from './support/harness.js';
import { eventsFor as baseEvents } from './support/events.js';

type Json = Record<string, any>;

/** n valid events, newest first, with ids that say which token they belong to. */
/** This file's events (test/support/events.ts). */
function eventsFor(owner: string, n: number, newest = 1_700_000_000_000): Json[] {
  return baseEvents(owner, n, { newest, types: ['VaultViaIrregularIp', 'PSMSuspiciousActivity', 'SuspectedCredentialsTheft'], score: (i) => (i % 10) * 10 + 0.5, closedEvery: 4, accounts: 5, createdBefore: 5_000 });
}

describe.each<{ mode: string; env: Record<string, string> }>([
  { mode: 'snapshots off', env: { PVWA_SNAPSHOT_MAX_AGE_MS: '0' } },
  { mode: 'snapshots on', env: {} },
])('securityEvents and securityEvent ($mode)', ({ mode, env }) => {
  const snapshots = mode === 'snapshots on';
  /** The query of a delta read of the 'filters' events (newest 1_700_000_000_000, overlap 10 s). */
  const FILTERS_DELTA = { fromUpdateDate: String(1_700_000_000_000 - 10_000) };
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env, simulator: { eventCount: 230 } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  describe('upstream calls', () => {
    it('answers three securityEvent aliases and an unfiltered securityEvents with exactly one GET', async () => {
      const [a, b, c] = h.sim.eventsOf().slice(3, 6).map((e) => String(e.id));
      const { body } = await h.gql(`{
        one: securityEvent(id: "${a}") { id type }
        two: securityEvent(id: "${b}") { id }
        three: securityEvent(id: "${c}") { id status }
        securityEvents(first: 3) { totalCount nodes { id } }
      }`);
      expect(body.errors).toBeUndefined();
      expect(body.data!.one.id).toBe(a);
      expect(body.data!.two.id).toBe(b);
      expect(body.data!.three.id).toBe(c);
      expect(body.data!.securityEvents.totalCount).toBe(230);
      expect(eventCalls(h.sim)).toHaveLength(1);
      expect(eventCalls(h.sim)[0].query).toEqual({});
    });

    it(snapshots ? 'answers lists of every status from one GET of the snapshot, without a status parameter' : 'makes identical GETs once per request and distinct ones once each', async () => {
      const { body } = await h.gql(`{
        a: securityEvents(first: 1, filter: { status: OPEN }) { totalCount }
        b: securityEvents(first: 2, filter: { status: OPEN, minScore: 50 }) { totalCount }
        c: securityEvents(first: 1, filter: { status: CLOSED }) { totalCount }
      }`);
      expect(body.errors).toBeUndefined();
      const open = h.sim.eventsOf().filter((e) => e.mStatus === 'OPEN').length;
      expect(body.data).toEqual({ a: { totalCount: open }, b: { totalCount: expect.any(Number) }, c: { totalCount: 230 - open } });
      if (snapshots) {
        expect(eventCalls(h.sim)).toHaveLength(1);
        expect(eventCalls(h.sim)[0].query.status).toBeUndefined();
      } else {
        expect(eventCalls(h.sim).map((call) => call.query)).toEqual([{ status: 'OPEN' }, { status: 'CLOSED' }]);
      }
    });

    it('does not carry anything over from one request to the next', async () => {
      await h.gql('{ securityEvents(first: 1) { totalCount } }');
      await h.gql('{ securityEvents(first: 1) { totalCount } }');
      expect(eventCalls(h.sim)).toHaveLength(2);
    });

    it('gives null for an id the session cannot see', async () => {
      const { body } = await h.gql('{ securityEvent(id: "ffffffffffffffffffffffff") { id } }');
      expect(body).toEqual({ data: { securityEvent: null } });
    });
  });

  describe('paging', () => {
    it('walks 230 events with first: 7, every id once, in order, with consistent pageInfo', async () => {
      const expected = [...h.sim.eventsOf()].sort((x, y) => Number(y.lastUpdateTime) - Number(x.lastUpdateTime)).map((e) => e.id);
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const { body } = await h.gql(
          'query($after: String) { securityEvents(first: 7, after: $after) { totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
          { after },
        );
        expect(body.errors).toBeUndefined();
        const page = body.data!.securityEvents;
        pages++;
        expect(page.totalCount).toBe(230);
        expect(page.nodes.map((n: Json) => n.id)).toEqual(page.edges.map((e: Json) => e.node.id));
        expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1).cursor);
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...page.nodes.map((n: Json) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        expect(page.nodes).toHaveLength(7);
        after = page.pageInfo.endCursor;
      }
      expect(pages).toBe(Math.ceil(230 / 7));
      expect(seen).toEqual(expected);
    });

    it('returns no event twice when new events arrive between two pages', async () => {
      h.sim.setEvents('growing', eventsFor('g', 10));
      const first = await h.gql('{ securityEvents(first: 4) { nodes { id } pageInfo { endCursor } } }', {}, { token: 'growing' });
      h.sim.eventsOf('growing').unshift(...eventsFor('new', 3, 1_800_000_000_000));
      const rest = await h.gql('query($a: String) { securityEvents(first: 50, after: $a) { totalCount nodes { id } } }', { a: first.body.data!.securityEvents.pageInfo.endCursor }, { token: 'growing' });
      const ids = [...first.body.data!.securityEvents.nodes, ...rest.body.data!.securityEvents.nodes].map((n: Json) => n.id);
      expect(ids).toEqual(eventsFor('g', 10).map((e) => e.id));
      expect(rest.body.data!.securityEvents.totalCount).toBe(13);
    });

    it('answers an empty page past the end', async () => {
      h.sim.setEvents('two', eventsFor('t', 2));
      const first = await h.gql('{ securityEvents(first: 2) { pageInfo { endCursor hasNextPage } } }', {}, { token: 'two' });
      expect(first.body.data!.securityEvents.pageInfo.hasNextPage).toBe(false);
      const { body } = await h.gql('query($a: String) { securityEvents(after: $a) { nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }', { a: first.body.data!.securityEvents.pageInfo.endCursor }, { token: 'two' });
      expect(body.data!.securityEvents).toEqual({ nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
    });

    it.each([0, -1, 501])('refuses first: %i with BAD_USER_INPUT and no upstream call', async (first) => {
      const { body } = await h.gql('query($first: Int) { securityEvents(first: $first) { totalCount } }', { first });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'first' });
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each(['nope', 'ZTE6MTIzOmFi=', Buffer.from('e1:abc:x').toString('base64url'), ''])('refuses the cursor %j with BAD_USER_INPUT and no upstream call', async (after) => {
      const { body } = await h.gql('query($after: String) { securityEvents(after: $after) { totalCount } }', { after });
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'after' });
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe('filters', () => {
    beforeAll(() => h.sim.setEvents('filters', eventsFor('f', 40)));
    const ids = async (filter: string) => {
      const { body } = await h.gql(`{ securityEvents(first: 500, filter: ${filter}) { totalCount nodes { id status type score lastUpdateTime } } }`, {}, { token: 'filters' });
      expect(body.errors).toBeUndefined();
      expect(body.data!.securityEvents.totalCount).toBe(body.data!.securityEvents.nodes.length);
      return body.data!.securityEvents.nodes as Json[];
    };

    it(snapshots ? 'status is applied by the gateway over the snapshot (a full first read)' : 'status is sent to the PVWA as status=OPEN|CLOSED', async () => {
      const closed = await ids('{ status: CLOSED }');
      expect(closed.map((n) => n.id)).toEqual(eventsFor('f', 40).filter((e) => e.mStatus === 'CLOSED').map((e) => e.id));
      expect(eventCalls(h.sim)[0].query).toEqual(snapshots ? {} : { status: 'CLOSED' });
    });

    it(snapshots ? 'updatedSince is applied by the gateway over the snapshot, refreshed by a delta' : 'updatedSince is sent as fromUpdateDate in epoch milliseconds', async () => {
      const since = new Date(1_700_000_000_000 - 5 * 60_000);
      const recent = await ids(`{ updatedSince: "${since.toISOString()}" }`);
      expect(recent.map((n) => n.id)).toEqual(['f-0000', 'f-0001', 'f-0002', 'f-0003', 'f-0004', 'f-0005']);
      expect(eventCalls(h.sim)[0].query).toEqual(snapshots ? FILTERS_DELTA : { fromUpdateDate: '1699999700000' });
    });

    it('accountId is sent as accountID', async () => {
      const byAccount = await ids('{ accountId: "3_1" }');
      expect(byAccount.map((n) => n.id)).toEqual(eventsFor('f', 40).filter((_, i) => i % 5 === 3).map((e) => e.id));
      expect(eventCalls(h.sim)[0].query).toEqual({ accountID: '3_1' });
    });

    it('types and minScore are applied by the gateway, not sent', async () => {
      const typed = await ids('{ types: ["PSMSuspiciousActivity", "SuspectedCredentialsTheft"], minScore: 60.5 }');
      expect(typed.map((n) => n.id)).toEqual(
        eventsFor('f', 40).filter((e) => e.type !== 'VaultViaIrregularIp' && e.score >= 60.5).map((e) => e.id),
      );
      expect(typed.length).toBeGreaterThan(0);
      expect(eventCalls(h.sim)[0].query).toEqual(snapshots ? FILTERS_DELTA : {});
      expect(await ids('{ types: [] }')).toEqual([]);
    });

    it('filters combine, and the PVWA filters are applied again for PVWAs that ignore them', async () => {
      h.sim.setFault({ kind: 'status', status: 200, body: JSON.stringify(eventsFor('f', 40)) }, { times: 1 });
      const both = await ids('{ status: OPEN, minScore: 80 }');
      expect(both.map((n) => n.id)).toEqual(eventsFor('f', 40).filter((e) => e.mStatus === 'OPEN' && e.score >= 80).map((e) => e.id));
    });

    it('an accountId the URL rules forbid is BAD_USER_INPUT without an upstream call', async () => {
      const { body } = await h.gql('{ securityEvents(filter: { accountId: "27_3&x=1" }) { totalCount } }', {}, { token: 'filters' });
      expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe('events that cannot be mapped', () => {
    it('are left out, logged and reported in extensions.warnings; the others are served', async () => {
      const good = fixture<Json[]>('get-events.xsoar-5.json');
      h.sim.setEvents('broken', [good[0], { type: 'VaultViaIrregularIp', score: 1 }, { ...good[1], id: 'x1', mStatus: 'MAYBE' }, good[2]]);
      const { body } = await h.gql(`{
        securityEvents { totalCount nodes { id } }
        securityEvent(id: "${good[2].id}") { id }
      }`, {}, { token: 'broken' });
      expect(body.errors).toBeUndefined();
      expect(body.data!.securityEvents).toEqual({ totalCount: 2, nodes: [{ id: good[0].id }, { id: good[2].id }] });
      expect(body.data!.securityEvent).toEqual({ id: good[2].id });
      expect(body.extensions!.warnings).toEqual([
        { code: 'UPSTREAM_EVENT_SKIPPED', message: 'A security event from the PVWA was left out because id is missing.' },
        { code: 'UPSTREAM_EVENT_SKIPPED', message: 'A security event from the PVWA was left out because its status is neither OPEN nor CLOSED.', eventId: 'x1' },
      ]);
      const logged = h.logs.filter((line) => line.msg === 'PVWA event left out: it cannot be mapped');
      expect(logged.map((line) => [line.eventId, line.problem])).toEqual([
        [undefined, 'id is missing'],
        ['x1', 'its status is neither OPEN nor CLOSED'],
      ]);
    });

    it('an answer that is not a list is UPSTREAM_ERROR', async () => {
      h.sim.setFault({ kind: 'status', status: 200, body: '{"events":[]}' });
      const { body } = await h.gql(`{ securityEvents { totalCount } }`);
      expect(body.errors![0].extensions).toEqual({ code: 'UPSTREAM_ERROR', upstreamStatus: 200 });
    });
  });

  it('securityEvent validates its id before any upstream call', async () => {
    const { body } = await h.gql('{ securityEvent(id: "a/b") { id } }');
    expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('isolates tokens under concurrency: 520 requests across 26 tokens see only their own events', async () => {
    const tokens = Array.from({ length: 26 }, (_, i) => `tenant-${String.fromCharCode(97 + i)}`);
    for (const token of tokens) h.sim.setEvents(token, eventsFor(token, 12));
    const requests = Array.from({ length: 520 }, (_, i) => {
      const token = tokens[i % tokens.length];
      const query = i % 2 === 0
        ? `{ securityEvents(first: 12) { nodes { id audits { id } } } }`
        : `{ a: securityEvent(id: "${token}-0003") { id } b: securityEvent(id: "${tokens[(i + 1) % tokens.length]}-0001") { id } securityEvents(first: 5) { nodes { id } } }`;
      return h.gql(query, {}, { token }).then((answer) => ({ token, i, answer }));
    });
    const answers = await Promise.all(requests);
    let foreign = 0;
    for (const { token, i, answer } of answers) {
      expect(answer.body.errors).toBeUndefined();
      const text = JSON.stringify(answer.body.data);
      const ids = [...text.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]);
      expect(ids.length).toBeGreaterThan(0);
      foreign += ids.filter((id) => !id.startsWith(`${token}-`)).length;
      if (i % 2 === 1) {
        expect(answer.body.data!.a).toEqual({ id: `${token}-0003` });
        // Another tenant's event does not exist for this token.
        expect(answer.body.data!.b).toBeNull();
      }
    }
    expect(foreign).toBe(0);
    const seenTokens = new Set(eventCalls(h.sim).map((call) => call.headers.authorization));
    expect(seenTokens).toEqual(new Set(tokens));
  });

  it('reads every field of the demo events without an error', async () => {
    const { body } = await h.gql(`{ securityEvents(first: 500) { totalCount nodes { ${EVENT_FIELDS} } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!.securityEvents.nodes).toHaveLength(230);
  });
});
