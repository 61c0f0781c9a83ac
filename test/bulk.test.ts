import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventCalls, metricsText, startHarness, type Harness } from './support/harness.js';
import { eventsFor as baseEvents } from './support/events.js';

type Json = Record<string, any>;

const BULK = `mutation($ids: [ID!]!, $status: EventStatus!, $closeReason: CloseReason, $reasonText: String) {
  updateEventStatuses(ids: $ids, status: $status, closeReason: $closeReason, reasonText: $reasonText) {
    id event { id status closeReason reasonText } error { code message upstreamStatus pvwaErrorCode }
  }
}`;

/** This file's events (test/support/events.ts). */
function eventsFor(owner: string, n: number): Json[] {
  return baseEvents(owner, n);
}

const patches = (h: Harness) => eventCalls(h.sim, 'PATCH');

describe('updateEventStatuses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('answers one item per distinct id, in order: successes, NOT_FOUND, malformed ids without a call, FORBIDDEN', async () => {
    h.sim.setEvents('batch', eventsFor('b', 30));
    h.sim.forbid('batch', 'b-0007');
    // 25 known ids, 2 unknown, 2 malformed, and b-0003 twice: 30 ids, 29 distinct, 27 well-formed.
    const known = Array.from({ length: 25 }, (_, i) => `b-${String(i).padStart(4, '0')}`);
    const ids = [...known.slice(0, 10), 'b-0003', 'nope-1', 'a b', ...known.slice(10), 'nope-2', 'x/y'];
    expect(ids).toHaveLength(30);
    h.sim.setFault({ kind: 'delay', ms: 20 }, { methods: ['PATCH'] });
    const { status, body } = await h.gql(BULK, { ids, status: 'CLOSED', closeReason: 'NOT_REAL', reasonText: 'Batch triage' }, { token: 'batch' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const items = body.data!.updateEventStatuses as Json[];
    const distinct = [...new Set(ids)];
    expect(items.map((item) => item.id)).toEqual(distinct);
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const id of known.filter((id) => id !== 'b-0007')) {
      expect(byId.get(id)).toEqual({ id, event: { id, status: 'CLOSED', closeReason: 'NOT_REAL', reasonText: 'Batch triage' }, error: null });
    }
    expect(byId.get('b-0007')).toEqual({
      id: 'b-0007', event: null,
      error: { code: 'FORBIDDEN', message: 'You are not authorized to perform this action.', upstreamStatus: 403, pvwaErrorCode: 'PASWS041E' },
    });
    for (const id of ['nope-1', 'nope-2']) {
      expect(byId.get(id)).toMatchObject({ event: null, error: { code: 'NOT_FOUND', upstreamStatus: 404 } });
    }
    expect(byId.get('a b')).toEqual({ id: 'a b', event: null, error: { code: 'BAD_USER_INPUT', message: 'The id must not contain white space or any of + & % / \\ ? #.', upstreamStatus: null, pvwaErrorCode: null } });
    expect(byId.get('x/y')!.error.code).toBe('BAD_USER_INPUT');
    // One PATCH per distinct well-formed id, never more than 4 at once, the same body each time.
    expect(patches(h)).toHaveLength(27);
    expect(new Set(patches(h).map((call) => call.path.split('/').at(-1))).size).toBe(27);
    expect(h.sim.peakInFlight('PATCH')).toBe(4);
    expect(new Set(patches(h).map((call) => call.body))).toEqual(new Set(['{"mStatus":"CLOSED","closeReason":"NOTREAL","reasonText":"Batch triage"}']));
    const line = h.logs.filter((l) => l.msg === 'graphql request').at(-1)!;
    expect(line).toMatchObject({ outcome: 'OK', items: { OK: 24, FORBIDDEN: 1, NOT_FOUND: 2, BAD_USER_INPUT: 2 }, upstreamCalls: 27 });
    const metrics = await metricsText(h);
    expect(metrics).toContain('pta_gateway_bulk_items_total{outcome="OK"} 24');
    expect(metrics).toContain('pta_gateway_bulk_items_total{outcome="NOT_FOUND"} 2');
  });

  it('stops sending when the session expires mid-batch: the rest are UNAUTHENTICATED without a call', async () => {
    h.sim.setEvents('expiring', eventsFor('e', 40));
    h.sim.setFault({ kind: 'delay', ms: 20 }, { methods: ['PATCH'] });
    const revokeAfter = (n: number) => {
      let seen = 0;
      const onRequest = (request: { method: string }) => {
        if (request.method !== 'PATCH' || ++seen < n) return;
        h.sim.revoke('expiring');
        h.sim.events.off('request', onRequest);
      };
      h.sim.events.on('request', onRequest);
    };
    revokeAfter(6);
    const ids = eventsFor('e', 40).map((e) => e.id);
    const { body } = await h.gql(BULK, { ids, status: 'CLOSED' }, { token: 'expiring' });
    expect(body.errors).toBeUndefined();
    const items = body.data!.updateEventStatuses as Json[];
    expect(items).toHaveLength(40);
    const ok = items.filter((item) => item.error === null);
    const refused = items.filter((item) => item.error?.code === 'UNAUTHENTICATED');
    expect(ok.length + refused.length).toBe(40);
    expect(refused.length).toBeGreaterThan(30);
    // Only what was already in flight when the first 401 came back was sent after it.
    expect(patches(h).length).toBeLessThanOrEqual(ok.length + 4);
    expect(patches(h).length).toBeLessThan(12);
    const unsent = refused.filter((item) => !patches(h).some((call) => call.path.endsWith(`/${item.id}`)));
    expect(unsent.length).toBe(40 - patches(h).length);
    for (const item of unsent) expect(item.error).toMatchObject({ code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
  });

  it('refuses 101 ids before the operation runs (HTTP 400), with no PVWA call', async () => {
    const { status, body } = await h.gql(BULK, { ids: Array.from({ length: 101 }, (_, i) => `id-${i}`), status: 'CLOSED' });
    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [{
        message: '`updateEventStatuses` may take at most 100 ids in one operation, all its fields together (BULK_MAX_IDS); this one has 101.',
        extensions: { code: 'BAD_USER_INPUT', argument: 'ids' },
      }],
    });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('counts the ids of every updateEventStatuses of an operation together: 15 aliases of 100 are refused, with no PVWA call', async () => {
    const ids = JSON.stringify(Array.from({ length: 100 }, (_, i) => `id-${i}`));
    const aliases = Array.from({ length: 15 }, (_, i) => `b${i}: updateEventStatuses(ids: ${ids}, status: CLOSED) { id }`).join(' ');
    const { status, body } = await h.gql(`mutation { ${aliases} }`);
    expect(status).toBe(400);
    expect(body.errors).toEqual([{
      message: '`updateEventStatuses` may take at most 100 ids in one operation, all its fields together (BULK_MAX_IDS); this one has 1500.',
      extensions: { code: 'BAD_USER_INPUT', argument: 'ids' },
    }]);
    // Two of 50 are within the bound.
    const half = JSON.stringify(Array.from({ length: 50 }, (_, i) => `two-${i}`));
    const two = await h.gql(`mutation { a: updateEventStatuses(ids: ${half}, status: CLOSED) { id } b: updateEventStatuses(ids: ${half}, status: OPEN) { id } }`);
    expect(two.body.errors).toBeUndefined();
    expect(two.body.data!.a).toHaveLength(50);
  });

  it.each([
    ['no ids', [], {}, 'ids'],
    ['a closeReason with OPEN', ['a'], { status: 'OPEN', closeReason: 'HANDLED' }, 'closeReason'],
    ['a reasonText of 101 characters', ['a'], { reasonText: 'x'.repeat(101) }, 'reasonText'],
  ])('refuses %s for the whole call with BAD_USER_INPUT and no PVWA call', async (_what, ids, variables, argument) => {
    const { body } = await h.gql(BULK, { ids, status: 'CLOSED', ...variables });
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('bounds the PATCHes in flight of one session across its calls: 30 calls of 20 ids keep 4 at once, and another session still reads', async () => {
    h.sim.setEvents('busy', eventsFor('busy', 20));
    h.sim.setEvents('other', eventsFor('other', 3));
    h.sim.setFault({ kind: 'delay', ms: 2 }, { methods: ['PATCH'] });
    const ids = Array.from({ length: 20 }, (_, i) => `busy-${String(i).padStart(4, '0')}`);
    const calls = Array.from({ length: 30 }, (_, i) => h.gql(BULK, { ids, status: i % 2 === 0 ? 'CLOSED' : 'OPEN' }, { token: 'busy' }));
    await h.sim.received(8, (request) => request.method === 'PATCH');
    const read = await h.gql('{ securityEvents { totalCount } }', {}, { token: 'other' });
    expect(read.body).toEqual({ data: { securityEvents: { totalCount: 3 } } });
    const answers = await Promise.all(calls);
    for (const answer of answers) expect(answer.body.data!.updateEventStatuses.filter((item: Json) => item.error === null)).toHaveLength(20);
    expect(patches(h)).toHaveLength(600);
    expect(h.sim.peakInFlight('PATCH')).toBe(4);
  });

  it('without a token is UNAUTHENTICATED for the whole call', async () => {
    const { body } = await h.gql(BULK, { ids: ['a'], status: 'CLOSED' }, { token: null });
    expect(body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('puts successful items into the session snapshot (write-through)', async () => {
    const h2 = await startHarness({ simulator: { patchTouches: false } });
    try {
      h2.sim.setEvents('wt', eventsFor('w', 5));
      await h2.gql('{ securityEvents { totalCount } }', {}, { token: 'wt' });
      await h2.gql(BULK, { ids: ['w-0001', 'w-0003'], status: 'CLOSED' }, { token: 'wt' });
      const { body } = await h2.gql('{ securityEvents(filter: { status: CLOSED }) { nodes { id } } }', {}, { token: 'wt' });
      expect(body.data!.securityEvents.nodes).toEqual([{ id: 'w-0001' }, { id: 'w-0003' }]);
    } finally {
      await h2.close();
    }
  });
});
