import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { eventsFor } from '../support/events.js';
import { EVENT_FIELDS, eventCalls, startHarness, type Harness } from '../support/harness.js';

type Json = Record<string, any>;

/**
 * Answers are bounded: an operation that could answer more than MAX_RESPONSE_BYTES is refused
 * before any PVWA call, whatever its aliases or variables; and an answer its client does not read
 * is dropped after HTTP_WRITE_TIMEOUT_MS.
 */

const RAW_PAGE = (alias: string, first: string) => `${alias}: securityEvents(first: ${first}) { nodes { id additionalData { raw } } }`;
const aliases = (n: number, first = '500') => `{ ${Array.from({ length: n }, (_, i) => RAW_PAGE(`p${i}`, first)).join(' ')} }`;

describe('the size of an answer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'info', HTTP_WRITE_TIMEOUT_MS: '300' } });
    // Events whose additionalData is 100 KB each: a page of 80 is an 8 MB answer.
    h.sim.setEvents('big', eventsFor('big', 80).map((event) => ({ ...event, additionalData: { blob: 'x'.repeat(100_000) } })));
  });
  afterAll(() => h.close());

  it('refuses 15 aliases of 500 events with `raw` (about 8 MB) before any PVWA call, over HTTP and WebSocket', async () => {
    h.sim.clearRequests();
    const refusal = {
      message: 'This operation could answer about 7911 KiB, more than MAX_RESPONSE_BYTES (4096 KiB): ask for fewer events (`first`), fewer aliases, or leave out `raw`.',
      extensions: { code: 'BAD_USER_INPUT', limit: 'MAX_RESPONSE_BYTES' },
    };
    const http = await h.gql(aliases(15));
    expect(http.status).toBe(400);
    expect(http.body).toEqual({ errors: [refusal] });
    const client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: 'demo-token' }, retryAttempts: 0 });
    const overSocket = await new Promise<Json>((resolve, reject) => {
      client.subscribe({ query: aliases(15) }, { next: resolve, error: reject, complete: () => {} });
    });
    await client.dispose();
    expect(overSocket).toEqual({ errors: [refusal] });
    // The socket's connect check is its only read.
    expect(eventCalls(h.sim).map((call) => call.headers['x-request-id'])).toEqual(['ws-connect']);
  });

  it('counts a variable `first` at its value: 7 aliases of $n events pass with 500 and are refused with 600', async () => {
    const query = `query($n: Int) { ${Array.from({ length: 7 }, (_, i) => RAW_PAGE(`p${i}`, '$n')).join(' ')} }`;
    expect((await h.gql(query, { n: 500 })).body.errors).toBeUndefined();
    const over = await h.gql(query, { n: 600 });
    expect(over.status).toBe(400);
    expect(over.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'MAX_RESPONSE_BYTES' });
  });

  it('lets a whole page of 500 events with every field through', async () => {
    const { body } = await h.gql(`{ securityEvents(first: 500) { totalCount nodes { ${EVENT_FIELDS} } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!.securityEvents.totalCount).toBe(40);
  });

  it('drops an answer its client does not read within HTTP_WRITE_TIMEOUT_MS: the request line says WRITE_TIMEOUT', async () => {
    const body = JSON.stringify({ query: '{ securityEvents(first: 80) { nodes { id additionalData { raw } } } }' });
    const port = Number(new URL(h.gateway.url).port);
    const socket = connect(port, '127.0.0.1');
    // Sends the request, then never reads: the 8 MB answer fills the socket's buffers and waits.
    socket.pause();
    socket.write(`POST /graphql HTTP/1.1\r\nhost: x\r\nauthorization: big\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const [line] = await h.logged((entry) => entry.msg === 'graphql request' && entry.outcome === 'WRITE_TIMEOUT');
    expect(line).toMatchObject({ level: 'info', status: 200, upstreamCalls: 1 });
    socket.resume();
    await closed;
  });
});
