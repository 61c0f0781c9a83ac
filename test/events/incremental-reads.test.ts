import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventCalls, metric, startHarness, type Harness } from '../support/harness.js';
import { eventsFor as baseEvents } from '../support/events.js';

type Json = Record<string, any>;

const NEWEST = 1_700_000_000_000;
const OVERLAP = 10_000;

/** n valid events, newest first, owned by `owner` (ids say so). */
/** This file's events (test/support/events.ts). */
function eventsFor(owner: string, n: number, newest = NEWEST): Json[] {
  return baseEvents(owner, n, { newest, types: ['VaultViaIrregularIp', 'PSMSuspiciousActivity'], score: (i) => (i % 10) * 10 + 0.5, closedEvery: 4, accounts: 3, createdBefore: 5_000 });
}

const PAGE = '{ securityEvents(first: 500) { totalCount nodes { id status lastUpdateTime } } }';

async function page(h: Harness, token: string): Promise<{ totalCount: number; nodes: Json[] }> {
  const { body } = await h.gql(PAGE, {}, { token });
  expect(body.errors).toBeUndefined();
  return body.data!.securityEvents;
}

describe('per-session snapshots', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('reads in full first, then only what changed since the watermark minus the overlap', async () => {
    h.sim.setEvents('delta', eventsFor('d', 30));
    const first = await page(h, 'delta');
    const second = await page(h, 'delta');
    expect(second).toEqual(first);
    expect(first.totalCount).toBe(30);
    expect(eventCalls(h.sim).map((call) => call.query)).toEqual([{}, { fromUpdateDate: String(NEWEST - OVERLAP) }]);
    // The delta moved only the events inside the overlap: one, not thirty.
    expect(eventCalls(h.sim).map((call) => call.headers.authorization)).toEqual(['delta', 'delta']);
    const lines = h.logs.filter((line) => line.msg === 'graphql request').slice(-2);
    expect(lines.map((line) => line.read)).toEqual(['full', 'delta']);
  });

  it('shows an event updated upstream (newer lastUpdateTime) on the next read, first in the list', async () => {
    h.sim.setEvents('updated', eventsFor('u', 10));
    await page(h, 'updated');
    h.sim.changeEvent('updated', 'u-0007', { mStatus: 'CLOSED' });
    const after = await page(h, 'updated');
    expect(after.totalCount).toBe(10);
    expect(after.nodes[0]).toMatchObject({ id: 'u-0007', status: 'CLOSED' });
    expect(eventCalls(h.sim)[1].query).toEqual({ fromUpdateDate: String(NEWEST - OVERLAP) });
  });

  it('shows a new event with totalCount grown', async () => {
    h.sim.setEvents('grown', eventsFor('g', 10));
    await page(h, 'grown');
    const [fresh] = eventsFor('new', 1, Date.now());
    h.sim.addEvent('grown', fresh);
    const after = await page(h, 'grown');
    expect(after.totalCount).toBe(11);
    expect(after.nodes[0].id).toBe('new-0000');
  });

  it("shows the caller's own close at once, even when the PVWA does not move lastUpdateTime", async () => {
    const h2 = await startHarness({ simulator: { patchTouches: false } });
    try {
      h2.sim.setEvents('closer', eventsFor('c', 10));
      await page(h2, 'closer');
      const { body } = await h2.gql('mutation { updateEventStatus(id: "c-0001", status: CLOSED, closeReason: NOT_REAL) { id status closeReason } }', {}, { token: 'closer' });
      expect(body.data!.updateEventStatus).toEqual({ id: 'c-0001', status: 'CLOSED', closeReason: 'NOT_REAL' });
      const after = await page(h2, 'closer');
      expect(after.nodes.find((n) => n.id === 'c-0001')).toMatchObject({ status: 'CLOSED' });
      // Served by a delta, which did not carry the event (its lastUpdateTime did not move).
      expect(eventCalls(h2.sim, 'GET').at(-1)!.query).toEqual({ fromUpdateDate: String(NEWEST - OVERLAP) });
    } finally {
      await h2.close();
    }
  });

  it('answers a revoked token UNAUTHENTICATED with no data, and drops its snapshot', async () => {
    h.sim.setEvents('revoked', eventsFor('r', 5));
    await page(h, 'revoked');
    const held = await metric(h, 'pta_gateway_snapshots');
    h.sim.revoke('revoked');
    const { body } = await h.gql(PAGE, {}, { token: 'revoked' });
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstreamStatus: 401 });
    expect(await metric(h, 'pta_gateway_snapshots')).toBe(held - 1);
  });

  it('serves 20 concurrent cold reads of one session with at most two GETs, all with the same answer', async () => {
    h.sim.setEvents('burst', eventsFor('b', 50));
    // A list takes a real PVWA a while: the reads arriving while the first GET runs share the next.
    // (Long enough that all 20 arrive during the first GET on a loaded machine too.)
    h.sim.setFault({ kind: 'delay', ms: 500 }, { times: 2 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => page(h, 'burst')));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].totalCount).toBe(50);
    expect(eventCalls(h.sim, 'GET').length).toBeLessThanOrEqual(2);
    expect(h.sim.peakInFlight('GET')).toBe(1);
  });

  it('answers a read only from a GET that started after it arrived', async () => {
    h.sim.setEvents('fresh', eventsFor('f', 5));
    await page(h, 'fresh');
    h.sim.clearRequests();
    // A slow GET is in flight; a change lands upstream; a second read arrives meanwhile.
    h.sim.setFault({ kind: 'delay', ms: 200 }, { times: 1 });
    const first = page(h, 'fresh');
    await h.sim.received(1, (r) => r.method === 'GET');
    h.sim.changeEvent('fresh', 'f-0003', { mStatus: 'CLOSED' });
    const second = await page(h, 'fresh');
    await first;
    expect(second.nodes.find((n) => n.id === 'f-0003')).toMatchObject({ status: 'CLOSED' });
    expect(eventCalls(h.sim, 'GET')).toHaveLength(2);
  });

  it('keeps one snapshot per accountID, and lookups by id read the unfiltered one', async () => {
    h.sim.setEvents('accounts', eventsFor('acc', 9));
    const { body } = await h.gql('{ securityEvents(filter: { accountId: "1_1" }) { nodes { id } } securityEvent(id: "acc-0002") { id } }', {}, { token: 'accounts' });
    expect(body.data).toEqual({ securityEvents: { nodes: [{ id: 'acc-0001' }, { id: 'acc-0004' }, { id: 'acc-0007' }] }, securityEvent: { id: 'acc-0002' } });
    expect(eventCalls(h.sim).map((call) => call.query).sort((a, b) => Object.keys(a).length - Object.keys(b).length)).toEqual([{}, { accountID: '1_1' }]);
    await h.gql('{ securityEvents(filter: { accountId: "1_1" }) { totalCount } }', {}, { token: 'accounts' });
    expect(eventCalls(h.sim).at(-1)!.query).toEqual({ accountID: '1_1', fromUpdateDate: String(NEWEST - 60_000 - OVERLAP) });
  });

  it('counts reads by kind with their upstream bytes', async () => {
    const full = await metric(h, 'pta_gateway_event_reads_total{kind="full"}');
    const delta = await metric(h, 'pta_gateway_event_reads_total{kind="delta"}');
    const deltaBytes = await metric(h, 'pta_gateway_event_read_bytes_total{kind="delta"}');
    h.sim.setEvents('counted', eventsFor('k', 20));
    await page(h, 'counted');
    await page(h, 'counted');
    expect(await metric(h, 'pta_gateway_event_reads_total{kind="full"}')).toBe(full + 1);
    expect(await metric(h, 'pta_gateway_event_reads_total{kind="delta"}')).toBe(delta + 1);
    // The delta carried one event (the newest, inside the overlap).
    const oneEvent = JSON.stringify(h.sim.eventsOf('counted').slice(0, 1)).length;
    expect(await metric(h, 'pta_gateway_event_read_bytes_total{kind="delta"}')).toBe(deltaBytes + oneEvent);
  });
  // Isolation with snapshots on: test/query.test.ts runs its 520-request, 26-token test in both modes.
});

describe('full refreshes', () => {
  const MAX_AGE = 60_000;
  let h: Harness;
  /** The gateway's clock for snapshot ages: moved past the max age instead of waited for. */
  let offset = 0;
  beforeEach(async () => {
    offset = 0;
    h = await startHarness({ env: { PVWA_SNAPSHOT_MAX_AGE_MS: String(MAX_AGE) }, now: () => Date.now() + offset });
  });
  afterEach(() => h.close());

  const pastMaxAge = () => {
    offset += MAX_AGE;
  };

  it('shows a change that did not move lastUpdateTime after the max age, not before', async () => {
    h.sim.setEvents('quiet', eventsFor('q', 8));
    await page(h, 'quiet');
    h.sim.changeEvent('quiet', 'q-0005', { mStatus: 'CLOSED' }, { touch: false });
    const before = await page(h, 'quiet');
    expect(before.nodes.find((n) => n.id === 'q-0005')).toMatchObject({ status: 'OPEN' });
    pastMaxAge();
    const after = await page(h, 'quiet');
    expect(after.nodes.find((n) => n.id === 'q-0005')).toMatchObject({ status: 'CLOSED' });
    expect(eventCalls(h.sim).map((call) => call.query)).toEqual([{}, { fromUpdateDate: String(NEWEST - OVERLAP) }, {}]);
  });

  it('drops an event removed upstream at the full refresh', async () => {
    h.sim.setEvents('purged', eventsFor('p', 8));
    await page(h, 'purged');
    h.sim.removeEvent('purged', 'p-0002');
    expect((await page(h, 'purged')).totalCount).toBe(8);
    pastMaxAge();
    const after = await page(h, 'purged');
    expect(after.totalCount).toBe(7);
    expect(after.nodes.map((n) => n.id)).not.toContain('p-0002');
  });

  it('treats the whole list from a PVWA that ignores fromUpdateDate (before 11.3) as a full refresh', async () => {
    const old = await startHarness({ env: { LOG_LEVEL: 'info' }, simulator: { ignoreFromUpdateDate: true } });
    try {
      old.sim.setEvents('old', eventsFor('o', 8));
      await page(old, 'old');
      old.sim.removeEvent('old', 'o-0004');
      const after = await page(old, 'old');
      expect(after.totalCount).toBe(7);
      expect(eventCalls(old.sim)[1].query).toEqual({ fromUpdateDate: String(NEWEST - OVERLAP) });
      expect(old.logs.filter((line) => line.msg === 'graphql request').map((line) => line.read)).toEqual(['full', 'full']);
    } finally {
      await old.close();
    }
  });
});

describe('bounds', () => {
  it('keeps all snapshots under PVWA_SNAPSHOT_MAX_MB, least recently used out first', async () => {
    const h = await startHarness({ env: { PVWA_SNAPSHOT_MAX_MB: '1' } });
    try {
      // Each session's list is about 0.4 MB of JSON: three fit in 1 MB only twice over.
      const tokens = ['lru-a', 'lru-b', 'lru-c', 'lru-d'];
      for (const token of tokens) h.sim.setEvents(token, eventsFor(token, 1_600));
      for (const token of tokens) await page(h, token);
      expect(await metric(h, 'pta_gateway_snapshot_bytes')).toBeLessThanOrEqual(1024 * 1024);
      expect(await metric(h, 'pta_gateway_snapshots')).toBe(2);
      // The most recent ones are kept (a delta), the oldest was dropped (a full read again).
      h.sim.clearRequests();
      await page(h, 'lru-d');
      await page(h, 'lru-a');
      expect(eventCalls(h.sim).map((call) => call.query)).toEqual([{ fromUpdateDate: String(NEWEST - OVERLAP) }, {}]);
    } finally {
      await h.close();
    }
  });

  it('PVWA_SNAPSHOT_MAX_AGE_MS=0 turns snapshots off: every read is the full filtered list', async () => {
    const h = await startHarness({ env: { PVWA_SNAPSHOT_MAX_AGE_MS: '0' } });
    try {
      await h.gql('{ securityEvents(filter: { status: OPEN }) { totalCount } }');
      await h.gql('{ securityEvents(filter: { status: OPEN }) { totalCount } }');
      expect(eventCalls(h.sim).map((call) => call.query)).toEqual([{ status: 'OPEN' }, { status: 'OPEN' }]);
      expect(await metric(h, 'pta_gateway_snapshots')).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('answers rendered from a snapshot', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => h.close());
  const lines = () => h.logs.filter((line) => line.msg === 'graphql request');

  it('serves the same answer again while the snapshot is unchanged, each time after its own upstream GET', async () => {
    h.sim.setEvents('poller', eventsFor('poll', 12));
    const first = await h.gql(PAGE, {}, { token: 'poller' });
    const second = await h.gql(PAGE, {}, { token: 'poller' });
    const third = await h.gql(PAGE, {}, { token: 'poller' });
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(eventCalls(h.sim).filter((call) => call.headers.authorization === 'poller')).toHaveLength(3);
    expect(lines().slice(-3).map((line) => [line.read, line.rendered ?? false, line.operationType, line.outcome])).toEqual([
      ['full', false, 'query', 'OK'], ['delta', true, 'query', 'OK'], ['delta', true, 'query', 'OK'],
    ]);
  });

  it('renders anew when the snapshot changed: upstream, or by the session itself', async () => {
    h.sim.setEvents('changing', eventsFor('ch', 6));
    await page(h, 'changing');
    await page(h, 'changing');
    h.sim.changeEvent('changing', 'ch-0004', { mStatus: 'CLOSED' });
    expect((await page(h, 'changing')).nodes[0]).toMatchObject({ id: 'ch-0004', status: 'CLOSED' });
    await h.gql('mutation { updateEventStatus(id: "ch-0002", status: CLOSED) { id } }', {}, { token: 'changing' });
    const after = await page(h, 'changing');
    expect(after.nodes.find((n) => n.id === 'ch-0002')).toMatchObject({ status: 'CLOSED' });
    expect(lines().slice(-2).map((line) => line.rendered ?? false)).toEqual([false, false]);
  });

  it("never serves one session's answer to another, even for the same request", async () => {
    h.sim.setEvents('one', eventsFor('one', 3));
    h.sim.setEvents('two', eventsFor('two', 3));
    for (let i = 0; i < 3; i++) {
      expect((await page(h, 'one')).nodes.map((n) => n.id)).toEqual(['one-0000', 'one-0001', 'one-0002']);
      expect((await page(h, 'two')).nodes.map((n) => n.id)).toEqual(['two-0000', 'two-0001', 'two-0002']);
    }
  });

  it('answers a revoked session UNAUTHENTICATED, not with the answer kept for it', async () => {
    h.sim.setEvents('kept', eventsFor('kept', 3));
    await page(h, 'kept');
    await page(h, 'kept');
    h.sim.revoke('kept');
    const { body } = await h.gql(PAGE, {}, { token: 'kept' });
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
