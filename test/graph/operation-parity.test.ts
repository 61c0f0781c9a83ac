import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { eventsFor } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';

type Json = Record<string, any>;

/**
 * One operation path: the same operations, and the same failures, over HTTP and over graphql-ws
 * give the same data, errors and warnings, and the same outcome in the request log line. Each
 * transport has its own token over an identical event list, so a mutation on one side does not
 * change what the other side sees.
 */

const DEEP = (() => {
  let value: Json = { leaf: true };
  for (let i = 0; i < 80; i++) value = { next: value };
  return value;
})();

function listFor(owner: string): Json[] {
  const events: Json[] = eventsFor(owner, 6, { accounts: 2 }).map((event): Json => ({ ...event, id: String(event.id).replace(owner, 'e') }));
  events[1].additionalData = { deep: DEEP };
  // An item the gateway cannot show (no score): left out with a warning.
  events.push({ id: 'e-broken', type: 'VaultViaIrregularIp', createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN' });
  return events;
}

// Every row has its variables ({} when none): jest passes a test function with more parameters
// than its row a `done` callback in the last one.
const CASES: Array<[name: string, query: string, variables: Json]> = [
  ['a page with an event left out and a value cut', '{ securityEvents(first: 10) { totalCount nodes { id status additionalData { raw } } } }', {}],
  ['one event, and one the session cannot see', 'query Two { one: securityEvent(id: "e-0002") { id score } none: securityEvent(id: "nope") { id } }', {}],
  ['a bad argument', '{ securityEvents(first: 0) { totalCount } }', {}],
  ['a bad cursor', '{ securityEvents(after: "not-ours") { totalCount } }', {}],
  ['a validation failure', '{ securityEvents { nope } }', {}],
  ['a parse failure', '{ securityEvents { ', {}],
  ['variables of the wrong type', 'query($f: SecurityEventFilter) { securityEvents(filter: $f) { totalCount } }', { f: { status: 'MAYBE' } }],
  ['a document over the alias limit', `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: securityEvents(first: 1) { totalCount }`).join(' ')} }`, {}],
  ['a mutation', 'mutation Close { updateEventStatus(id: "e-0003", status: CLOSED, closeReason: NOT_REAL, reasonText: "parity") { id status closeReason reasonText } }', {}],
  ['a mutation the PVWA answers 404', 'mutation { updateEventStatus(id: "e-none", status: CLOSED) { id } }', {}],
  ['a mutation the PVWA answers 403', 'mutation { updateEventStatus(id: "e-0004", status: CLOSED) { id } }', {}],
  ['a mutation refused before any call', 'mutation { updateEventStatus(id: "e-0004", status: OPEN, reasonText: "x") { id } }', {}],
  ['a bulk mutation with items that fail', 'mutation { updateEventStatuses(ids: ["e-0000", "e-none", "e/0"], status: CLOSED) { id event { id status } error { code message upstreamStatus } } }', {}],
  ['introspection, off on this gateway', '{ __schema { queryType { name } } }', {}],
];

describe('one operation path over HTTP and WebSocket', () => {
  let h: Harness;
  let http: string;
  let ws: string;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness({ env: { INTROSPECTION: 'false', LOG_LEVEL: 'info' } });
    http = 'parity-http';
    ws = 'parity-ws';
    for (const token of [http, ws]) {
      h.sim.setEvents(token, listFor(token));
      h.sim.forbid(token, 'e-0004');
    }
    client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: ws }, retryAttempts: 0, });
  });
  afterAll(async () => {
    await client.dispose();
    await h.close();
  });

  /** What the socket answered: the one result, or the errors of an `error` message. */
  function overSocket(query: string, variables?: Json): Promise<Json> {
    return new Promise((resolve, reject) => {
      let result: Json | undefined;
      client.subscribe({ query, variables }, {
        next: (value) => (result = value as Json),
        error: (errors) => (Array.isArray(errors) ? resolve({ errors }) : reject(new Error(`the socket failed: ${JSON.stringify(errors)}`))),
        complete: () => resolve(result ?? {}),
      });
    });
  }

  it.each(CASES)('%s', async (_name, query, variables) => {
    const before = h.logs.filter((line) => line.msg === 'graphql request').length;
    const viaHttp = await h.gql(query, variables, { token: http });
    const viaSocket = await overSocket(query, variables);
    const { data, errors, extensions } = viaHttp.body;
    expect(viaSocket).toEqual({ ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}), ...(extensions ? { extensions } : {}) });
    // The same outcome, operation name and type in both request lines.
    const lines = h.logs.filter((line) => line.msg === 'graphql request').slice(before);
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map(({ operationName, operationType, outcome }) => ({ operationName, operationType, outcome }));
    expect(b).toEqual(a);
  });

  it('covers the warnings, the request errors and the execution errors (so the cases above mean something)', async () => {
    const page = await h.gql(CASES[0][1], undefined, { token: http });
    expect(page.body.extensions?.warnings.map((warning: Json) => warning.code)).toEqual(['UPSTREAM_EVENT_SKIPPED', 'UPSTREAM_VALUE_TRUNCATED']);
    const validation = await overSocket(CASES[4][1]);
    expect(validation.errors.map((error: Json) => error.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const forbidden = await overSocket(CASES[10][1]);
    expect(forbidden.errors.map((error: Json) => error.extensions)).toEqual([{ code: 'FORBIDDEN', upstreamStatus: 403, pvwaErrorCode: 'PASWS041E' }]);
  });
});
