import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import type { Tracing } from '../../src/tracing/tracing.js';
import { eventsFor } from '../support/events.js';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver } from '../support/otlp-receiver.js';
import { byName, KIND, STATUS, tracingTo } from '../support/tracing.js';

/**
 * WebSocket traces: the connection check in the trace of the upgrade's traceparent; each
 * operation a trace of its own, linked to its connection; each live poll a trace of its own,
 * linked to the subscriptions it serves; failures with the gateway's codes.
 */

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const GET_EVENTS = 'GET /PasswordVault/API/pta/API/Events/';

describe('traces of WebSocket operations and live polls', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let h: Harness;
  const open: Client[] = [];
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = await tracingTo(receiver);
    h = await startHarness({ tracing, logLevel: 'info', env: { LIVE_POLL_INTERVAL_MS: '100', LIVE_MAX_FAILED_POLLS: '1' } });
  });
  afterEach(async () => {
    h.sim.clearFault();
    await Promise.all(open.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await h.close();
    await tracing.shutdown(2_000);
    await receiver.close();
  });

  /** A graphql-ws client of `token`, its upgrade request carrying `headers`. */
  const connect = (token: string, headers: Record<string, string> = {}): Client => {
    class HeaderSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    }
    const client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: HeaderSocket, connectionParams: { authorization: token }, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
    open.push(client);
    return client;
  };
  const spansOf = (all: DecodedSpan[], traceId: string) => all.filter((span) => span.traceId === traceId);
  const pvwaGets = (token: string) => eventCalls(h.sim, 'GET').filter((r) => r.headers.authorization === token);

  it('traces the connection in the caller\'s trace, each operation and each poll in its own, linked', async () => {
    h.sim.setEvents('trace-live', eventsFor('trace-live', 3));
    const client = connect('trace-live', { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    // A query over WebSocket: Apollo's pipeline, one span for the operation.
    const answer = await new Promise((resolve, reject) => client.subscribe({ query: 'query Count { securityEvents(first: 1) { totalCount } }' }, { next: resolve, error: reject, complete: () => {} }));
    expect(answer).toEqual({ data: { securityEvents: { totalCount: 3 } } });
    const changes = client.iterate({ query: 'subscription Changes { securityEventChanged { kind event { id } } }' })[Symbol.asyncIterator]();
    const pushed = changes.next();
    await h.sim.received(1, (r) => String(r.headers['x-request-id']).startsWith('live-') && r.headers.authorization === 'trace-live');
    h.sim.addEvent('trace-live', { id: 'trace-live-new', type: 'PSMSuspiciousActivity', score: 90, createTime: Date.now(), lastUpdateTime: Date.now(), mStatus: 'OPEN' });
    expect((await pushed).value).toEqual({ data: { securityEventChanged: { kind: 'CREATED', event: { id: 'trace-live-new' } } } });
    await changes.return?.();
    await h.logged((line) => line.msg === 'graphql request' && line.operationName === 'Changes');

    const all = await receiver.waitFor((spans) => spans.some((span) => span.name === 'subscription Changes') && spans.some((span) => span.name === 'live poll'));
    // The connection check, in the caller's trace: its read and the GET the PVWA received.
    const connection = byName(spansOf(all, CALLER_TRACE));
    expect(Object.keys(connection).sort()).toEqual([GET_EVENTS, 'graphql-ws connection_init', 'snapshot read']);
    expect(connection['graphql-ws connection_init']).toMatchObject({ kind: KIND.server, parentSpanId: CALLER_SPAN, status: { code: STATUS.unset } });
    expect(connection['snapshot read'].parentSpanId).toBe(connection['graphql-ws connection_init'].spanId);
    const check = pvwaGets('trace-live').find((r) => r.headers['x-request-id'] === 'ws-connect')!;
    expect(check.headers.traceparent).toBe(`00-${CALLER_TRACE}-${connection[GET_EVENTS].spanId}-01`);
    const linkedToConnection = [{ traceId: CALLER_TRACE, spanId: connection['graphql-ws connection_init'].spanId, attributes: {} }];

    // The query: one server span, the root of its own trace, linked to the connection.
    const query = all.find((span) => span.name === 'query Count')!;
    expect(query).toMatchObject({ kind: KIND.server, parentSpanId: '', links: linkedToConnection, attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Count' } });
    expect(spansOf(all, query.traceId).map((span) => span.name).sort()).toEqual([GET_EVENTS, 'query Count', 'snapshot read']);

    // The subscription: its own trace, from subscribe to complete.
    const subscription = all.find((span) => span.name === 'subscription Changes')!;
    expect(subscription).toMatchObject({ kind: KIND.server, parentSpanId: '', links: linkedToConnection, status: { code: STATUS.unset }, attributes: { 'graphql.operation.type': 'subscription' } });
    expect(new Set([CALLER_TRACE, query.traceId, subscription.traceId]).size).toBe(3);

    // Each poll: a trace of its own, linked to the subscription, down to the PVWA's GET.
    const polls = all.filter((span) => span.name === 'live poll');
    const poll = polls[0];
    expect(poll).toMatchObject({ kind: KIND.internal, parentSpanId: '', attributes: { 'pta.live.subscriptions': 1 }, links: [{ traceId: subscription.traceId, spanId: subscription.spanId, attributes: {} }] });
    const inPoll = byName(spansOf(all, poll.traceId));
    expect(Object.keys(inPoll).sort()).toEqual([GET_EVENTS, 'live poll', 'snapshot read']);
    expect(inPoll['snapshot read']).toMatchObject({ parentSpanId: poll.spanId, attributes: { 'pta.snapshot.read': 'delta', 'pta.snapshot.shared': false } });
    const sent = pvwaGets('trace-live').find((r) => r.headers.traceparent === `00-${poll.traceId}-${inPoll[GET_EVENTS].spanId}-01`);
    expect(sent?.headers['x-request-id']).toMatch(/^live-\d+$/);
    expect(new Set(polls.map((span) => span.traceId)).size).toBe(polls.length);
  });

  it('fails the connection span with the close code of a refused token', async () => {
    const client = connect('trace-unknown-token', { traceparent: `00-${CALLER_TRACE.replace('0a', '1b')}-${CALLER_SPAN}-01` });
    await new Promise<void>((resolve) => client.on('closed', () => resolve()));
    const [span] = await receiver.waitFor((spans) => spans.some((s) => s.name === 'graphql-ws connection_init' && s.traceId === CALLER_TRACE.replace('0a', '1b')))
      .then((spans) => spans.filter((s) => s.name === 'graphql-ws connection_init' && s.traceId === CALLER_TRACE.replace('0a', '1b')));
    expect(span.status).toEqual({ code: STATUS.error, message: '4401' });
  });

  it('ends a subscription whose polls fail with the gateway code, on the subscription and the poll', async () => {
    h.sim.setEvents('trace-fail', eventsFor('trace-fail', 1));
    const client = connect('trace-fail');
    const changes = client.iterate({ query: 'subscription Failing { securityEventChanged { kind } }' })[Symbol.asyncIterator]();
    const ended = changes.next().then(() => 'next', (error: unknown) => error);
    await h.sim.received(1, (r) => String(r.headers['x-request-id']).startsWith('live-') && r.headers.authorization === 'trace-fail');
    h.sim.setFault({ kind: 'status', status: 503 }, { methods: ['GET'] });
    expect(await ended).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }) })]);
    const all = await receiver.waitFor((spans) => spans.some((span) => span.name === 'subscription Failing'));
    const subscription = all.find((span) => span.name === 'subscription Failing')!;
    expect(subscription.status).toEqual({ code: STATUS.error, message: 'UPSTREAM_UNAVAILABLE' });
    const failed = all.find((span) => span.name === 'live poll' && span.links[0]?.spanId === subscription.spanId && span.status.code === STATUS.error)!;
    expect(failed.status.message).toBe('UPSTREAM_UNAVAILABLE');
    const attempts = spansOf(all, failed.traceId).filter((span) => span.kind === KIND.client).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    expect(attempts.map((span) => [span.attributes['http.request.resend_count'], span.status.message])).toEqual([[undefined, '503'], [1, '503'], [2, '503']]);
  });
});
