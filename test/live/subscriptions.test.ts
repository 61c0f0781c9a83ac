import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { eventCalls, metric, startHarness, type Harness } from '../support/harness.js';
import { LOGON, sessionCookieOf } from '../support/sessions.js';
import { eventsFor as baseEvents } from '../support/events.js';
import { connect } from '../support/sockets.js';

type Json = Record<string, any>;

const INTERVAL = 150;
const CHANGES = `subscription($filter: SecurityEventFilter) {
  securityEventChanged(filter: $filter) { kind event { id status type score } }
}`;

/** This file's events (test/support/events.ts). */
function eventsFor(owner: string, n: number, newest = Date.now() - 3_600_000): Json[] {
  return baseEvents(owner, n, { newest, score: (i) => 10 + i });
}

/** A new event as the PTA would detect it now. */
const fresh = (id: string, extra: Json = {}): Json => ({ id, type: 'PSMSuspiciousActivity', score: 90, createTime: Date.now(), lastUpdateTime: Date.now(), mStatus: 'OPEN', ...extra });

/** A subscription's results, read one at a time. */
function subscribe(client: Client, variables: Json = {}) {
  const iterator = client.iterate({ query: CHANGES, variables })[Symbol.asyncIterator]();
  return {
    async next(): Promise<Json> {
      const { value, done } = await iterator.next();
      if (done) throw new Error('the subscription completed');
      return value as Json;
    },
    /** Resolves with the error the subscription ended with. */
    async ended(): Promise<unknown> {
      try {
        for (;;) {
          const { done } = await iterator.next();
          if (done) return 'completed';
        }
      } catch (error) {
        return error;
      }
    },
    stop: () => iterator.return?.(),
  };
}

const livePolls = (h: Harness, token: string) => eventCalls(h.sim, 'GET').filter((call) => String(call.headers['x-request-id']).startsWith('live-') && call.headers.authorization === token);
/** Resolves once the session's poller has made `n` more GETs: the subscriptions are registered. */
const polled = (h: Harness, token: string, n = 1) => {
  const seen = livePolls(h, token).length;
  return h.sim.received(seen + n, (call) => String(call.headers['x-request-id']).startsWith('live-') && call.headers.authorization === token);
};

describe('securityEventChanged over graphql-ws', () => {
  let h: Harness;
  const open: Client[] = [];
  beforeAll(async () => {
    h = await startHarness({ env: { LIVE_POLL_INTERVAL_MS: String(INTERVAL), CORS_ORIGINS: 'https://soc.example.com' }, logLevel: 'info' });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => h.close());

  const session = (token: string, n = 5) => {
    h.sim.setEvents(token, eventsFor(token, n));
    const connection = connect(h, token);
    open.push(connection.client);
    return connection;
  };

  it('pushes an event added upstream as CREATED and a status change made through the gateway as UPDATED', async () => {
    const { client } = session('alice');
    const changes = subscribe(client);
    await polled(h, 'alice');
    h.sim.addEvent('alice', fresh('alice-new'));
    expect(await changes.next()).toEqual({ data: { securityEventChanged: { kind: 'CREATED', event: { id: 'alice-new', status: 'OPEN', type: 'PSMSuspiciousActivity', score: 90 } } } });
    const { body } = await h.gql('mutation { updateEventStatus(id: "alice-0002", status: CLOSED) { id } }', {}, { token: 'alice' });
    expect(body.errors).toBeUndefined();
    expect(await changes.next()).toEqual({ data: { securityEventChanged: { kind: 'UPDATED', event: { id: 'alice-0002', status: 'CLOSED', type: 'VaultViaIrregularIp', score: 12 } } } });
  });

  it('gives a filtered subscription only the changes that match its filter', async () => {
    const { client } = session('filtered');
    const psm = subscribe(client, { filter: { types: ['PSMSuspiciousActivity'], minScore: 50 } });
    await polled(h, 'filtered');
    h.sim.addEvent('filtered', fresh('filtered-low', { score: 20 }));
    h.sim.addEvent('filtered', fresh('filtered-vault', { type: 'VaultViaIrregularIp' }));
    h.sim.addEvent('filtered', fresh('filtered-hit'));
    expect(await psm.next()).toMatchObject({ data: { securityEventChanged: { kind: 'CREATED', event: { id: 'filtered-hit' } } } });
    h.sim.addEvent('filtered', fresh('filtered-hit-2'));
    expect(await psm.next()).toMatchObject({ data: { securityEventChanged: { event: { id: 'filtered-hit-2' } } } });
  });

  it("never shows one session's changes to another session's subscribers", async () => {
    const a = subscribe(session('tenant-a').client);
    const b = subscribe(session('tenant-b').client);
    await Promise.all([polled(h, 'tenant-a'), polled(h, 'tenant-b')]);
    h.sim.addEvent('tenant-a', fresh('tenant-a-new'));
    h.sim.addEvent('tenant-b', fresh('tenant-b-new'));
    await h.gql('mutation { updateEventStatus(id: "tenant-a-0001", status: CLOSED) { id } }', {}, { token: 'tenant-a' });
    const seenA = [await a.next(), await a.next()].map((r) => r.data.securityEventChanged.event.id).sort();
    const seenB = [await b.next()].map((r) => r.data.securityEventChanged.event.id);
    expect(seenA).toEqual(['tenant-a-0001', 'tenant-a-new']);
    expect(seenB).toEqual(['tenant-b-new']);
    // One more round: b still sees nothing of a.
    h.sim.addEvent('tenant-b', fresh('tenant-b-2'));
    expect((await b.next()).data.securityEventChanged.event.id).toBe('tenant-b-2');
  });

  it('polls once per interval for a session, however many subscriptions it has', async () => {
    const first = session('many');
    const second = connect(h, 'many');
    open.push(second.client);
    const subscriptions = [...Array.from({ length: 5 }, () => subscribe(first.client)), ...Array.from({ length: 5 }, () => subscribe(second.client))];
    await polled(h, 'many');
    const from = livePolls(h, 'many').length;
    await polled(h, 'many', 5);
    const polls = livePolls(h, 'many').slice(from - 1);
    const gaps = polls.slice(1).map((call, i) => call.at - polls[i].at);
    // Five more GETs, each about one interval after the one before: one poller, not ten.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(INTERVAL * 0.7);
    expect(await metric(h, 'pta_gateway_live_sessions_polled')).toBe(1);
    expect(await metric(h, 'pta_gateway_live_subscriptions')).toBe(10);
    h.sim.addEvent('many', fresh('many-new'));
    for (const subscription of subscriptions) expect((await subscription.next()).data.securityEventChanged.event.id).toBe('many-new');
  });

  it('closes a connection with a refused token with 4401, without a subscription', async () => {
    const { client, closed } = connect(h, 'not-a-session');
    open.push(client);
    expect(await closed).toEqual(expect.objectContaining({ code: 4401, reason: 'Unauthorized: the PVWA did not accept the session token' }));
  });

  it('closes a connection without a token with 4401', async () => {
    const { client, closed } = connect(h, null);
    open.push(client);
    expect(await closed).toEqual(expect.objectContaining({ code: 4401 }));
    expect(eventCalls(h.sim).filter((call) => call.headers.authorization === undefined)).toEqual([]);
  });

  it('ends the subscriptions with UNAUTHENTICATED and closes with 4401 when the token is revoked upstream', async () => {
    const { client, closed } = session('revoked');
    const changes = subscribe(client);
    await polled(h, 'revoked');
    h.sim.revoke('revoked');
    const error = (await changes.ended()) as Array<{ message: string; extensions: Json }>;
    expect(error).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' } })]);
    expect((await closed).code).toBe(4401);
    expect(await metric(h, 'pta_gateway_live_sessions_polled')).toBe(0);
  });

  it('answers queries and mutations over the socket too, with the same document limits', async () => {
    const { client } = session('queries', 3);
    const result = await new Promise<Json>((resolve, reject) => {
      client.subscribe({ query: '{ securityEvents { totalCount } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { securityEvents: { totalCount: 3 } } });
    const line = h.logs.filter((l) => l.msg === 'graphql request').at(-1)!;
    expect(line).toMatchObject({ operationType: 'query', outcome: 'OK', status: 200 });
    const deep = await new Promise<unknown>((resolve) => {
      const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: securityEvents(first: 1) { totalCount }`).join(' ');
      client.subscribe({ query: `{ ${aliases} }` }, { next: () => {}, error: resolve, complete: () => resolve('completed') });
    });
    expect(deep).toEqual([expect.objectContaining({ message: 'Aliases limit of 15 exceeded, found 16.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
  });

  it('refuses the upgrade from an Origin outside the CORS allowlist, and takes one inside it', async () => {
    const refused = connect(h, 'alice', { origin: 'https://evil.example.com' });
    open.push(refused.client);
    expect((await refused.closed).code).toBe(1006);
    const allowed = connect(h, 'alice', { origin: 'https://soc.example.com' });
    open.push(allowed.client);
    const result = await new Promise<Json>((resolve, reject) => {
      allowed.client.subscribe({ query: '{ securityEvents(first: 1) { totalCount } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result.data.securityEvents.totalCount).toBeGreaterThan(0);
  });

  it('takes the pta_session cookie of the upgrade request as the session', async () => {
    const answer = await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null });
    const cookie = sessionCookieOf(answer);
    const { client } = connect(h, null, { cookie: `pta_session=${cookie}` });
    open.push(client);
    const result = await new Promise<Json>((resolve, reject) => {
      client.subscribe({ query: '{ securityEvents(first: 1) { totalCount } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { securityEvents: { totalCount: h.sim.eventsOf(DEMO_TOKEN).length } } });
  });
});

describe('shutdown', () => {
  it('closes open sockets with 1001 after the drain delay', async () => {
    const h = await startHarness({ env: { SHUTDOWN_DELAY_MS: '100' } });
    const { client, closed } = connect(h, DEMO_TOKEN);
    await new Promise<void>((resolve, reject) => client.subscribe({ query: '{ securityEvents(first: 1) { totalCount } }' }, { next: () => resolve(), error: reject, complete: () => {} }));
    const stopping = h.gateway.stop();
    expect(await closed).toEqual(expect.objectContaining({ code: 1001, reason: 'Going away: the gateway is shutting down' }));
    await stopping;
    await h.sim.close();
    await client.dispose();
  });
});
