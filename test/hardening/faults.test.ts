import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startGateway } from '../../src/gateway.js';
import type { Fault } from '../../src/simulator/server.js';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';

const TIMEOUT_MS = 400;
const CLOSE = 'mutation($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { id status } }';
const LIST = '{ securityEvents(first: 2) { totalCount nodes { id } } }';

interface Row {
  name: string;
  fault: Fault;
  code: string;
  /** Upstream attempts for the list query (GET) and the mutation (PATCH). */
  attempts: { get: number; patch: number };
  /** Least and most time the answer may take, in ms. */
  took: [number, number];
}

// The fault matrix of the hardening issue: every fault mode, both operations.
const MATRIX: Row[] = [
  { name: 'slow past the timeout', fault: { kind: 'delay', ms: 3000 }, code: 'UPSTREAM_TIMEOUT', attempts: { get: 1, patch: 1 }, took: [TIMEOUT_MS, TIMEOUT_MS + 1500] },
  { name: '500', fault: { kind: 'status', status: 500 }, code: 'UPSTREAM_ERROR', attempts: { get: 1, patch: 1 }, took: [0, 1500] },
  { name: '502', fault: { kind: 'status', status: 502 }, code: 'UPSTREAM_UNAVAILABLE', attempts: { get: 3, patch: 2 }, took: [0, 1500] },
  { name: '503', fault: { kind: 'status', status: 503 }, code: 'UPSTREAM_UNAVAILABLE', attempts: { get: 3, patch: 2 }, took: [0, 1500] },
  { name: '504', fault: { kind: 'status', status: 504 }, code: 'UPSTREAM_UNAVAILABLE', attempts: { get: 3, patch: 2 }, took: [0, 1500] },
  { name: 'HTML body', fault: { kind: 'html' }, code: 'UPSTREAM_ERROR', attempts: { get: 1, patch: 1 }, took: [0, 1500] },
  { name: 'truncated JSON', fault: { kind: 'truncated' }, code: 'UPSTREAM_ERROR', attempts: { get: 1, patch: 1 }, took: [0, 1500] },
  { name: 'JSON of the wrong shape', fault: { kind: 'wrong-shape' }, code: 'UPSTREAM_ERROR', attempts: { get: 1, patch: 1 }, took: [0, 1500] },
  { name: 'connection reset', fault: { kind: 'reset' }, code: 'UPSTREAM_UNAVAILABLE', attempts: { get: 3, patch: 2 }, took: [0, 1500] },
  // Retry-After: 1 is honoured (waited for) on the GET; the PATCH is not retried on 429.
  { name: '429 with Retry-After: 1', fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, code: 'UPSTREAM_UNAVAILABLE', attempts: { get: 3, patch: 1 }, took: [0, 3500] },
];

describe('fault matrix', () => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ env: { PVWA_TIMEOUT_MS: String(TIMEOUT_MS), PVWA_DEADLINE_MS: '5000' } });
    id = String(h.sim.eventsOf()[0].id);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearFault();
    h.sim.clearRequests();
  });

  const cases = MATRIX.flatMap((row) => [
    { ...row, op: 'list' as const },
    { ...row, op: 'mutation' as const },
  ]);

  it.each(cases)('$name, $op: $code, the right number of attempts and time, then a normal answer', async (row) => {
    h.sim.setFault(row.fault);
    const started = performance.now();
    const { body } = row.op === 'list' ? await h.gql(LIST) : await h.gql(CLOSE, { id });
    const took = performance.now() - started;
    expect(body.data).toBeNull();
    expect(body.errors![0].extensions!.code).toBe(row.code);
    const method = row.op === 'list' ? 'GET' : 'PATCH';
    expect(eventCalls(h.sim, method)).toHaveLength(row.op === 'list' ? row.attempts.get : row.attempts.patch);
    if (row.name.startsWith('429') && row.op === 'list') expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeGreaterThanOrEqual(row.took[0]);
    expect(took).toBeLessThanOrEqual(row.took[1]);

    h.sim.clearFault();
    const next = row.op === 'list' ? await h.gql(LIST) : await h.gql(CLOSE, { id });
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data).not.toBeNull();
  });

  it('a GET succeeds when a retry gets through', async () => {
    h.sim.setFault({ kind: 'status', status: 503 }, { times: 2 });
    const { body } = await h.gql(LIST);
    expect(body.errors).toBeUndefined();
    expect(eventCalls(h.sim, 'GET')).toHaveLength(3);
  });

  it('a Retry-After beyond PVWA_RETRY_AFTER_MAX_MS is not waited for', async () => {
    h.sim.setFault({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    const started = performance.now();
    const { body } = await h.gql(LIST);
    expect(body.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 429 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(eventCalls(h.sim, 'GET')).toHaveLength(1);
  });
});

describe('deadline and body cap', () => {
  it('no request outlives PVWA_DEADLINE_MS, whatever the per-attempt timeout', async () => {
    const h = await startHarness({ env: { PVWA_TIMEOUT_MS: '5000', PVWA_DEADLINE_MS: '600' } });
    try {
      h.sim.setFault({ kind: 'delay', ms: 4000 });
      const started = performance.now();
      const { body } = await h.gql(LIST);
      const took = performance.now() - started;
      expect(body.errors![0].extensions).toEqual({ code: 'UPSTREAM_TIMEOUT' });
      expect(took).toBeGreaterThanOrEqual(600);
      expect(took).toBeLessThan(2000);
    } finally {
      await h.close();
    }
  });

  it('a retry that could not start before the deadline is not waited for: the last answer is the error', async () => {
    const h = await startHarness({ env: { PVWA_DEADLINE_MS: '1500' } });
    try {
      // The first retry (after 1 s) fits in the deadline; the second (at 2 s) would not.
      h.sim.setFault({ kind: 'status', status: 503, headers: { 'retry-after': '1' } });
      const started = performance.now();
      const { body } = await h.gql(LIST);
      const took = performance.now() - started;
      expect(body.errors![0].extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, pvwaErrorCode: 'SIMFAULT' });
      expect(took).toBeGreaterThanOrEqual(1000);
      expect(took).toBeLessThan(1500);
      expect(eventCalls(h.sim, 'GET')).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('a 429 whose Retry-After ends past the deadline fails at once as UPSTREAM_UNAVAILABLE with upstreamStatus 429', async () => {
    const h = await startHarness({ env: { PVWA_DEADLINE_MS: '1500' } });
    try {
      h.sim.setFault({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
      const started = performance.now();
      const { body } = await h.gql(LIST);
      expect(body.errors![0].extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 429, pvwaErrorCode: 'SIMFAULT' });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(eventCalls(h.sim, 'GET')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('an upstream body over PVWA_MAX_BODY_BYTES is UPSTREAM_ERROR, and the next request is served', async () => {
    const h = await startHarness({ env: { PVWA_MAX_BODY_BYTES: '4096' }, simulator: { eventCount: 40 } });
    try {
      const { body } = await h.gql(LIST);
      expect(body.errors![0]).toMatchObject({ message: 'The PVWA answer was larger than allowed.', extensions: { code: 'UPSTREAM_ERROR' } });
      h.sim.setEvents('small', [{ id: 'a', type: 'T', score: 1, createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN' }]);
      const next = await h.gql(LIST, {}, { token: 'small' });
      expect(next.body).toEqual({ data: { securityEvents: { totalCount: 1, nodes: [{ id: 'a' }] } } });
    } finally {
      await h.close();
    }
  });
});

describe('a PVWA that refuses connections', () => {
  it('is UPSTREAM_UNAVAILABLE after the retries, for both operations', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PVWA_URL: `http://127.0.0.1:${port}/PasswordVault`, PVWA_RETRY_BASE_MS: '10', LOG_LEVEL: 'debug' });
    const gateway = await startGateway({ config, logger });
    try {
      for (const [query, attempts] of [[LIST, 3], [CLOSE, 2]] as const) {
        lines.length = 0;
        const started = performance.now();
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'demo-token' },
          body: JSON.stringify({ query, variables: { id: 'abc' } }),
        });
        const body = (await response.json()) as { errors: Array<{ message: string; extensions: unknown }> };
        expect(body.errors[0]).toMatchObject({ message: 'The PVWA could not be reached.', extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
        // No internal address reaches the client.
        expect(JSON.stringify(body)).not.toContain(String(port));
        expect(performance.now() - started).toBeLessThan(1500);
        const call = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'pvwa call');
        expect(call).toMatchObject({ attempts, failure: 'unavailable', status: null });
      }
    } finally {
      await gateway.stop();
    }
  });
});
