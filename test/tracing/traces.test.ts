import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Tracing } from '../../src/tracing/tracing.js';
import { eventsFor } from '../support/events.js';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver } from '../support/otlp-receiver.js';
import { byName, KIND, STATUS, tracingTo } from '../support/tracing.js';

/**
 * The spans a gateway exports, decoded by the project's own OTLP receiver, in both encodings:
 * an HTTP query in its caller's trace down to the PVWA's GET (which receives the client span's
 * traceparent), a delta read, retries, a failing mutation, a list-slot wait, and the log line.
 */

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const EVENTS = '/PasswordVault/API/pta/API/Events/';

/**
 * Whether `later` starts once `earlier` has ended. The SDK anchors each span's times to the wall
 * clock's milliseconds as it starts, so two spans' times compare to within a millisecond.
 */
const follows = (later: DecodedSpan, earlier: DecodedSpan) => BigInt(later.startTimeUnixNano) >= BigInt(earlier.endTimeUnixNano) - 1_000_000n;

describe.each(['http/protobuf', 'http/json'])('traces over OTLP %s', (protocol) => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let h: Harness;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = await tracingTo(receiver, protocol);
    h = await startHarness({ tracing, logLevel: 'info', env: { PVWA_MAX_CONCURRENT_LISTS: '1' } });
  });
  afterAll(async () => {
    await h.close();
    await tracing.shutdown(2_000);
    await receiver.close();
  });

  /** The spans of the request whose log line `match` keeps, once its server span has arrived. */
  const traceOf = async (match: (line: Record<string, any>) => boolean): Promise<{ line: Record<string, any>; spans: DecodedSpan[] }> => {
    const [line] = await h.logged((l) => l.msg === 'graphql request' && match(l));
    const spans = await receiver.waitFor((all) => all.some((span) => span.spanId === line.spanId));
    return { line, spans: spans.filter((span) => span.traceId === line.traceId) };
  };

  it("joins the caller's trace: server, operation, snapshot read and client spans, and the PVWA gets the client span's traceparent", async () => {
    h.sim.setEvents('trace-q', eventsFor('trace-q', 3));
    const answer = await h.gql('query Page { securityEvents(first: 2) { totalCount } }', {}, {
      token: 'trace-q', headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: 'vendor=abc' },
    });
    expect(answer.body).toEqual({ data: { securityEvents: { totalCount: 3 } } });
    const { line, spans } = await traceOf((l) => l.operationName === 'Page');
    expect(line.traceId).toBe(CALLER_TRACE);
    const named = byName(spans);
    expect(Object.keys(named).sort()).toEqual([`GET ${EVENTS}`, 'POST /graphql', 'query Page', 'snapshot read']);
    const server = named['POST /graphql'];
    const operation = named['query Page'];
    const read = named['snapshot read'];
    const client = named[`GET ${EVENTS}`];
    expect(server).toMatchObject({
      kind: KIND.server, parentSpanId: CALLER_SPAN, traceState: 'vendor=abc', spanId: line.spanId, status: { code: STATUS.unset },
      attributes: { 'http.request.method': 'POST', 'url.path': '/graphql', 'url.scheme': 'http', 'http.route': '/graphql', 'http.response.status_code': 200 },
    });
    expect(operation).toMatchObject({ kind: KIND.internal, parentSpanId: server.spanId, attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Page' } });
    expect(read).toMatchObject({ kind: KIND.internal, parentSpanId: operation.spanId, attributes: { 'pta.snapshot.read': 'full', 'pta.snapshot.shared': false } });
    const port = Number(new URL(h.sim.url).port);
    expect(client).toMatchObject({ kind: KIND.client, parentSpanId: read.spanId, status: { code: STATUS.unset } });
    expect(client.attributes).toEqual({
      'http.request.method': 'GET', 'url.full': `http://127.0.0.1:${port}${EVENTS}`, 'url.path': EVENTS, 'url.template': EVENTS,
      'server.address': '127.0.0.1', 'server.port': port, 'pta.pvwa.endpoint': 'getEvents', 'http.response.status_code': 200,
    });
    const [call] = eventCalls(h.sim).filter((r) => r.headers.authorization === 'trace-q');
    expect(call.headers.traceparent).toBe(`00-${CALLER_TRACE}-${client.spanId}-01`);
    expect(call.headers.tracestate).toBe('vendor=abc');
    expect(server.resource).toMatchObject({ 'service.name': 'pta-gateway', 'service.version': '0.1.0' });
    expect(server.scope).toEqual({ name: 'pta-gateway', version: '0.1.0' });
    expect(receiver.exports.every((e) => e.contentType === (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'))).toBe(true);
  });

  it('starts a new trace without a traceparent; a delta read names the query parameters it sent, never their values', async () => {
    h.sim.setEvents('trace-d', eventsFor('trace-d', 3));
    await h.gql('query First { securityEvents(first: 1) { totalCount } }', {}, { token: 'trace-d' });
    await h.gql('query Again { securityEvents(first: 1) { totalCount } }', {}, { token: 'trace-d' });
    const first = await traceOf((l) => l.operationName === 'First');
    const again = await traceOf((l) => l.operationName === 'Again');
    expect(byName(first.spans)['POST /graphql'].parentSpanId).toBe('');
    expect(again.line.traceId).not.toBe(first.line.traceId);
    expect(byName(again.spans)['snapshot read'].attributes['pta.snapshot.read']).toBe('delta');
    const client = byName(again.spans)[`GET ${EVENTS}`];
    expect(client.attributes['url.full']).toBe(`${h.sim.url}/API/pta/API/Events/?fromUpdateDate=REDACTED`);
    const [, delta] = eventCalls(h.sim).filter((r) => r.headers.authorization === 'trace-d');
    expect(delta.query.fromUpdateDate).toMatch(/^\d+$/);
    expect(JSON.stringify(again.spans)).not.toContain(delta.query.fromUpdateDate);
  });

  it('gives each attempt of a retried call its own client span and traceparent', async () => {
    h.sim.setEvents('trace-r', eventsFor('trace-r', 2));
    h.sim.setFault({ kind: 'status', status: 503 }, { times: 1, methods: ['GET'] });
    const answer = await h.gql('query Retried { securityEvents(first: 1) { totalCount } }', {}, { token: 'trace-r' });
    expect(answer.body.errors).toBeUndefined();
    const { spans } = await traceOf((l) => l.operationName === 'Retried');
    const attempts = spans.filter((span) => span.kind === KIND.client).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    expect(attempts.map((span) => [span.attributes['http.response.status_code'], span.attributes['http.request.resend_count'], span.status.code, span.attributes['error.type']])).toEqual([
      [503, undefined, STATUS.error, '503'],
      [200, 1, STATUS.unset, undefined],
    ]);
    expect(new Set(attempts.map((span) => span.parentSpanId)).size).toBe(1);
    expect(follows(attempts[1], attempts[0])).toBe(true);
    const calls = eventCalls(h.sim).filter((r) => r.headers.authorization === 'trace-r');
    expect(calls.map((r) => r.headers.traceparent)).toEqual(attempts.map((span) => `00-${span.traceId}-${span.spanId}-01`));
    // got's retry keeps the call's own headers.
    expect(calls.map((r) => [r.headers.authorization, r.headers['x-request-id']])).toEqual([['trace-r', calls[0].headers['x-request-id']], ['trace-r', calls[0].headers['x-request-id']]]);
  });

  it('records a failing mutation: the operation span in error with the gateway code, the PVWA call with its status', async () => {
    h.sim.setEvents('trace-m', eventsFor('trace-m', 1));
    const answer = await h.gql('mutation Close { updateEventStatus(id: "no-such-event", status: CLOSED) { id } }', {}, { token: 'trace-m' });
    expect(answer.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const { line, spans } = await traceOf((l) => l.operationName === 'Close');
    expect(line.outcome).toBe('NOT_FOUND');
    const named = byName(spans);
    expect(Object.keys(named).sort()).toEqual([`PATCH ${EVENTS}{id}`, 'POST /graphql', 'mutation Close']);
    expect(named['mutation Close']).toMatchObject({
      status: { code: STATUS.error, message: 'NOT_FOUND' }, attributes: { 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'Close', 'error.type': 'NOT_FOUND' },
    });
    expect(named[`PATCH ${EVENTS}{id}`]).toMatchObject({
      kind: KIND.client, parentSpanId: named['mutation Close'].spanId, status: { code: STATUS.error, message: '404' },
      attributes: { 'http.request.method': 'PATCH', 'url.path': `${EVENTS}no-such-event`, 'url.template': `${EVENTS}{id}`, 'http.response.status_code': 404, 'error.type': '404' },
    });
    // A GraphQL error is answered 200: the server span stays unset (HTTP's rule) and names the code.
    expect(named['POST /graphql']).toMatchObject({ status: { code: STATUS.unset }, attributes: { 'http.response.status_code': 200, 'error.type': 'NOT_FOUND' } });
  });

  it('records an operation that fails validation: its span in error with GRAPHQL_VALIDATION_FAILED, no PVWA call', async () => {
    const answer = await h.gql('mutation BadEnum { updateEventStatus(id: "e-1", status: BOGUS) { id } }', {}, { token: 'trace-v' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const { line, spans } = await traceOf((l) => l.operationName === 'BadEnum');
    expect(line).toMatchObject({ outcome: 'GRAPHQL_VALIDATION_FAILED', operationType: 'mutation' });
    const named = byName(spans);
    expect(Object.keys(named).sort()).toEqual(['POST /graphql', 'mutation BadEnum']);
    expect(named['mutation BadEnum']).toMatchObject({
      parentSpanId: named['POST /graphql'].spanId, status: { code: STATUS.error, message: 'GRAPHQL_VALIDATION_FAILED' },
      attributes: { 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'BadEnum', 'error.type': 'GRAPHQL_VALIDATION_FAILED' },
    });
    // A client's mistake (400): the server span stays unset (HTTP's rule) and names the code.
    expect(named['POST /graphql']).toMatchObject({ status: { code: STATUS.unset }, attributes: { 'http.response.status_code': 400, 'error.type': 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('shows a wait for a list slot under the read that waited (PVWA_MAX_CONCURRENT_LISTS=1)', async () => {
    h.sim.setEvents('trace-s1', eventsFor('trace-s1', 1));
    h.sim.setEvents('trace-s2', eventsFor('trace-s2', 1));
    h.sim.setFault({ kind: 'delay', ms: 300 }, { times: 1, methods: ['GET'] });
    const first = h.gql('query Slow { securityEvents(first: 1) { totalCount } }', {}, { token: 'trace-s1' });
    await h.sim.received(1, (r) => r.headers.authorization === 'trace-s1');
    await h.gql('query Queued { securityEvents(first: 1) { totalCount } }', {}, { token: 'trace-s2' });
    await first;
    const { spans } = await traceOf((l) => l.operationName === 'Queued');
    const named = byName(spans);
    expect(Object.keys(named).sort()).toEqual([`GET ${EVENTS}`, 'POST /graphql', 'PVWA list slot', 'query Queued', 'snapshot read']);
    const wait = named['PVWA list slot'];
    expect(wait).toMatchObject({ parentSpanId: named['snapshot read'].spanId, status: { code: STATUS.unset }, attributes: { 'pta.pvwa.endpoint': 'getEvents' } });
    expect(BigInt(wait.endTimeUnixNano) - BigInt(wait.startTimeUnixNano)).toBeGreaterThan(100_000_000n);
    expect(follows(named[`GET ${EVENTS}`], wait)).toBe(true);
    const slow = await traceOf((l) => l.operationName === 'Slow');
    expect(slow.spans.map((span) => span.name)).not.toContain('PVWA list slot');
  });
});
