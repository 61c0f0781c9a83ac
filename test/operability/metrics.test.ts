import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';

/** Parses the Prometheus text format into samples. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

describe('/metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { PVWA_TIMEOUT_MS: '300', METRICS_MAX_OPERATIONS: '3' } });
  });
  afterAll(() => h.close());

  it('counts requests, upstream calls, retries and timeouts with bounded labels and no token or event id', async () => {
    const events = h.sim.eventsOf();
    const id = String(events[0].id);
    const token = 'metrics-secret-token-9d2';
    h.sim.setEvents(token, events);
    const list = 'query ListEvents { securityEvents(first: 2) { totalCount } }';
    const close = `mutation CloseEvent { updateEventStatus(id: "${id}", status: CLOSED) { id } }`;

    await h.gql(list, {}, { token });                                // OK, 1 GET 200
    await h.gql(list, {}, { token });                                // OK, 1 GET 200
    await h.gql(close, {}, { token });                               // OK, 1 PATCH 200
    await h.gql(list, {}, { token: 'unknown-token-4c1' });           // UNAUTHENTICATED, GET 401
    h.sim.setFault({ kind: 'status', status: 503 }, { times: 1 });
    await h.gql(list, {}, { token });                                // OK after a retry: GET 200, 1 retry
    h.sim.setFault({ kind: 'delay', ms: 1000 }, { times: 1 });
    await h.gql(close, {}, { token });                               // UPSTREAM_TIMEOUT
    await h.gql('{ nope }', {}, { token });                          // GRAPHQL_VALIDATION_FAILED
    await h.gql(`query ${'Op4'} { __typename }`);                    // 4th name: past the limit of 3
    await h.gql('query Op5 { __typename }');
    await h.gql('{ __typename }');                                   // anonymous

    const response = await fetch(h.gateway.url.replace('/graphql', '/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await response.text();
    const all = samples(text);
    const value = (name: string, labels: Record<string, string>) =>
      all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

    expect(value('pta_gateway_graphql_requests_total', { operation: 'ListEvents', type: 'query', outcome: 'OK' })).toBe(3);
    expect(value('pta_gateway_graphql_requests_total', { operation: 'ListEvents', type: 'query', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(value('pta_gateway_graphql_requests_total', { operation: 'CloseEvent', type: 'mutation', outcome: 'OK' })).toBe(1);
    expect(value('pta_gateway_graphql_requests_total', { operation: 'CloseEvent', type: 'mutation', outcome: 'UPSTREAM_TIMEOUT' })).toBe(1);
    // A document that parsed but failed validation is counted under the operation it names.
    expect(value('pta_gateway_graphql_requests_total', { operation: 'anonymous', type: 'query', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(value('pta_gateway_graphql_requests_total', { operation: 'Op4' })).toBe(1);
    expect(value('pta_gateway_graphql_requests_total', { operation: 'other' })).toBe(1);
    expect(value('pta_gateway_graphql_requests_total', { operation: 'anonymous', type: 'query', outcome: 'OK' })).toBe(1);
    expect(value('pta_gateway_graphql_request_duration_seconds_count', { type: 'query' })).toBe(8);
    expect(value('pta_gateway_graphql_request_duration_seconds_count', { type: 'mutation' })).toBe(2);
    expect(value('pta_gateway_graphql_requests_in_flight', {})).toBe(0);

    expect(value('pta_gateway_pvwa_requests_total', { endpoint: 'getEvents', status: '200' })).toBe(3);
    expect(value('pta_gateway_pvwa_requests_total', { endpoint: 'getEvents', status: '401' })).toBe(1);
    expect(value('pta_gateway_pvwa_requests_total', { endpoint: 'updateEvent', status: '200' })).toBe(1);
    expect(value('pta_gateway_pvwa_requests_total', { endpoint: 'updateEvent', status: 'timeout' })).toBe(1);
    expect(value('pta_gateway_pvwa_request_duration_seconds_count', { endpoint: 'getEvents' })).toBe(4);
    expect(value('pta_gateway_pvwa_request_duration_seconds_bucket', { endpoint: 'updateEvent', le: '+Inf' })).toBe(2);
    expect(value('pta_gateway_pvwa_retries_total', { endpoint: 'getEvents' })).toBe(1);
    expect(value('pta_gateway_pvwa_retries_total', { endpoint: 'updateEvent' })).toBe(0);
    expect(value('pta_gateway_pvwa_timeouts_total', { endpoint: 'updateEvent' })).toBe(1);
    expect(all.some((s) => s.name === 'pta_gateway_process_cpu_user_seconds_total')).toBe(true);
    expect(all.some((s) => s.name === 'pta_gateway_nodejs_heap_size_used_bytes')).toBe(true);

    for (const secret of [token, 'unknown-token-4c1', 'demo-token', id, h.sim.url]) expect(text).not.toContain(secret);
    const labelValues = new Set(all.flatMap((s) => Object.values(s.labels)));
    for (const label of labelValues) expect(label).not.toMatch(/[0-9a-f]{24}/);
  });
});
