import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AccountCache } from '../../src/accounts/cache.js';
import { createApollo, createSchema } from '../../src/apollo.js';
import { AnswerBudget } from '../../src/graph/answer-budget.js';
import { SnapshotStore } from '../../src/events/snapshot-store.js';
import { createLogonService } from '../../src/sessions/logon.js';
import { LogonGuard } from '../../src/sessions/logon-guard.js';
import { loadConfig } from '../../src/config.js';
import { boundDepth, MAX_JSON_DEPTH, TRUNCATED_MARKER } from '../../src/pvwa/validate.js';
import { graphqlRoute } from '../../src/http/graphql.js';
import type { PvwaApi, PvwaPort } from '../../src/pvwa/client.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { Telemetry } from '../../src/telemetry/record.js';
import { startHarness, type Harness } from '../support/harness.js';

/** JSON text of an object nested `depth` levels: {"d":{"d":...{"d":1}...}}. */
const nestedJson = (depth: number) => '{"d":'.repeat(depth - 1) + '{"d":1' + '}'.repeat(depth);
/** What the gateway passes through of a deeper value: 64 levels, the innermost holding the marker. */
const cutAt64 = () => {
  let value: unknown = TRUNCATED_MARKER;
  for (let i = 0; i < MAX_JSON_DEPTH; i++) value = { d: value };
  return value;
};
const eventJson = (id: string, additionalData: string) =>
  `{"id":"${id}","type":"T","score":1,"createTime":1,"lastUpdateTime":2,"mStatus":"OPEN","additionalData":${additionalData}}`;

const WARNING = {
  code: 'UPSTREAM_VALUE_TRUNCATED',
  message: 'A value of a security event from the PVWA was nested deeper than 64 levels; `additionalData.raw` is cut at that depth.',
  eventId: 'deep-1',
  field: 'additionalData.raw',
};

describe('passed-through JSON is bounded in depth', () => {
  let h: Harness;
  beforeAll(async () => {
    // Each test's list is a one-off fault answer: whole lists, not merged into a session snapshot.
    h = await startHarness({ logLevel: 'info', env: { PVWA_SNAPSHOT_MAX_AGE_MS: '0' } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearFault());

  it('a list with a 5,000-deep additionalData and `raw` selected answers data plus a warning, never a 500', async () => {
    h.sim.setFault({ kind: 'status', status: 200, body: `[${eventJson('deep-1', nestedJson(5000))},${eventJson('flat-2', '{"station":"10.0.0.1"}')}]` }, { times: 1 });
    const { status, body, headers } = await h.gql('{ securityEvents { nodes { id additionalData { station raw } } } }');
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        securityEvents: {
          nodes: [
            { id: 'deep-1', additionalData: { station: null, raw: cutAt64() } },
            { id: 'flat-2', additionalData: { station: '10.0.0.1', raw: { station: '10.0.0.1' } } },
          ],
        },
      },
      extensions: { warnings: [WARNING] },
    });
    const requestId = headers.get('x-request-id');
    expect(h.logs.filter((line) => ['error', 'fatal'].includes(line.level))).toEqual([]);
    expect(h.logs.find((line) => line.msg === 'graphql request' && line.requestId === requestId)).toMatchObject({ status: 200, outcome: 'OK' });
    expect(h.logs.find((line) => line.msg === 'PVWA value nested deeper than 64 levels: cut')).toMatchObject({ level: 'warn', requestId, eventId: 'deep-1', field: 'additionalData.raw' });
  });

  it('the same for the answer of a status change', async () => {
    h.sim.setFault({ kind: 'status', status: 200, body: eventJson('deep-1', nestedJson(5000)) }, { times: 1, methods: ['PATCH'] });
    const { status, body } = await h.gql('mutation { updateEventStatus(id: "deep-1", status: CLOSED) { id additionalData { raw } } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { updateEventStatus: { id: 'deep-1', additionalData: { raw: cutAt64() } } }, extensions: { warnings: [WARNING] } });
  });

  it('without `raw` selected the deep value costs nothing and says nothing', async () => {
    h.sim.setFault({ kind: 'status', status: 200, body: `[${eventJson('deep-1', nestedJson(5000))}]` }, { times: 1 });
    const { body } = await h.gql('{ securityEvents { nodes { id additionalData { station } } } }');
    expect(body).toEqual({ data: { securityEvents: { nodes: [{ id: 'deep-1', additionalData: { station: null } }] } } });
  });
});

describe('an event nested thousands of levels deep in a session snapshot', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'info' });
  });
  afterAll(() => h.close());

  it('is cut as it enters: every delta read of its session keeps working, with data and the warning', async () => {
    const time = 1_700_000_000_000;
    const deep = `{"id":"deep-1","type":"T","score":1,"createTime":${time},"lastUpdateTime":${time},"mStatus":"OPEN","additionalData":${nestedJson(5000)}}`;
    // The same list, answered to the first (full) read and to the deltas after it: the deltas
    // re-send the event inside their overlap, which is compared with the one the snapshot holds.
    h.sim.setFault({ kind: 'status', status: 200, body: `[${deep}]` }, { times: 3, methods: ['GET'] });
    const query = '{ securityEvents { totalCount nodes { id additionalData { raw } } } }';
    for (let read = 0; read < 3; read++) {
      const { status, body } = await h.gql(query);
      expect(status).toBe(200);
      expect(body).toEqual({ data: { securityEvents: { totalCount: 1, nodes: [{ id: 'deep-1', additionalData: { raw: cutAt64() } }] } }, extensions: { warnings: [WARNING] } });
    }
    const reads = h.logs.filter((line) => line.msg === 'graphql request').map((line) => line.read);
    expect(reads).toEqual(['full', 'delta', 'delta']);
    expect(h.logs.filter((line) => ['error', 'fatal'].includes(line.level))).toEqual([]);
  });
});

describe('boundDepth', () => {
  it('returns a value of at most 64 levels as it is (the same object), and cuts a deeper one at 64', () => {
    const ok = JSON.parse(nestedJson(64));
    expect(boundDepth(ok)).toEqual({ value: ok, truncated: false });
    expect(boundDepth(ok).value).toBe(ok);
    expect(boundDepth(JSON.parse(nestedJson(65)))).toEqual({ value: cutAt64(), truncated: true });
  });

  it('counts arrays as levels, keeps scalars and a "__proto__" key as they are', () => {
    const value = JSON.parse('{"__proto__":{"a":[[1]]},"n":null,"s":"x"}');
    expect(boundDepth(value, 3)).toEqual({ value: JSON.parse(`{"__proto__":{"a":["${TRUNCATED_MARKER}"]},"n":null,"s":"x"}`), truncated: true });
    expect(Object.keys(boundDepth(value, 3).value)).toEqual(['__proto__', 'n', 's']);
  });
});

describe('any 500 the gateway answers', () => {
  let server: Server;
  let url: string;
  const lines: string[] = [];
  const logs = () => lines.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }) });
    const config = loadConfig({ PVWA_URL: 'http://127.0.0.1:1/PasswordVault' });
    const apollo = createApollo(config, logger, createSchema(config), { budget: new AnswerBudget({ totalBytes: 1e9, perSessionBytes: 1e9, maxWaitMs: 1000 }), eventBytes: () => 0 });
    await apollo.start();
    // A stand-in client, only to produce what no real PVWA answer can (JSON has no BigInt): an
    // answer that cannot be serialised, which Apollo answers with HTTP 500 outside any field.
    const api: Partial<PvwaApi> = {
      updateEvent: async (id) => ({ id, type: 'T', score: 1, createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN', additionalData: { n: 1n } }),
    };
    const pvwa = { bind: () => api as PvwaApi, logon: () => Promise.reject(new Error('not used')) } satisfies PvwaPort;
    const store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10_000, maxBytes: 1024 * 1024 });
    const guard = new LogonGuard({ maxFailuresPerUser: 5, maxFailuresPerAddress: 20, windowMs: 60_000, maxWrongCodes: 3, challengeTtlMs: 60_000, maxTracked: 100 });
    const logons = createLogonService({ secret: undefined, maxAgeMs: 60_000, secureCookie: true, pvwa, sessionEnded: () => {}, guard }, logger);
    const deps = { pvwa, logger, logons, store, snapshotReads: false, accounts: new AccountCache({ ttlMs: 0 }), vaultConcurrency: 1, now: Date.now };
    const route = graphqlRoute({ apollo, deps, telemetry: new Telemetry(logger, new Metrics(10)), maxRequestBytes: 65536, writeTimeoutMs: 30_000, allowsOrigin: () => false, compression: true });
    server = createServer((req, res) => void route(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is logged once with its cause, and the request line says INTERNAL_SERVER_ERROR', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 't', 'x-request-id': 'five-hundred' },
      body: JSON.stringify({ query: 'mutation { updateEventStatus(id: "e1", status: CLOSED) { id additionalData { raw } } }' }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    const bugs = logs().filter((line) => ['error', 'fatal'].includes(line.level));
    expect(bugs).toHaveLength(1);
    expect(bugs[0]).toMatchObject({ msg: 'gateway bug: answered HTTP 500', err: { type: 'TypeError', message: 'Do not know how to serialize a BigInt' } });
    expect(bugs[0].err.stack).toContain('JSON.stringify');
    expect(logs().find((line) => line.msg === 'graphql request')).toMatchObject({ requestId: 'five-hundred', status: 500, outcome: 'INTERNAL_SERVER_ERROR' });
  });
});
