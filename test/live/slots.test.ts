import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocket } from 'ws';
import { eventsFor } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * WebSocket slots: a socket takes one of LIVE_MAX_CONNECTIONS only once acknowledged; until its
 * connection_init it is pending, at most LIVE_MAX_PENDING_PER_ADDRESS of them per client address,
 * for at most LIVE_INIT_TIMEOUT_MS; one session holds at most LIVE_MAX_CONNECTIONS_PER_SESSION.
 * Client addresses are loopback addresses other than 127.0.0.1 (all of 127/8 reaches the gateway).
 */
describe('WebSocket slots', () => {
  let h: Harness;
  let url: string;
  const open: WebSocket[] = [];

  beforeAll(async () => {
    h = await startHarness({ env: { LIVE_MAX_CONNECTIONS: '3', LIVE_MAX_PENDING_PER_ADDRESS: '3', LIVE_MAX_CONNECTIONS_PER_SESSION: '2', LIVE_INIT_TIMEOUT_MS: '400' } });
    url = h.gateway.url.replace(/^http/, 'ws');
    for (const token of ['s1', 's2', 's3']) h.sim.setEvents(token, eventsFor(token, 2));
  });
  afterAll(() => h.close());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ws) => new Promise<void>((resolve) => {
      // A refused socket never opened: there is nothing to wait for.
      if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CONNECTING) {
        ws.once('error', () => {});
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        return resolve();
      }
      ws.once('close', () => resolve());
      ws.terminate();
    })));
  });

  /** A socket from `address`; resolves once upgraded (or with the refusal's status). */
  function socket(address: string): Promise<{ ws: WebSocket; refused?: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, 'graphql-transport-ws', { localAddress: address });
      open.push(ws);
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_request, response) => resolve({ ws, refused: response.statusCode }));
    });
  }

  /** Sends connection_init with `token`: resolves 'ack', or the close code. */
  function init(ws: WebSocket, token: string): Promise<'ack' | number> {
    return new Promise((resolve) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data)).type === 'connection_ack' ? 'ack' : -1));
      ws.once('close', (code) => resolve(code));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: token } }));
    });
  }

  it('refuses a 4th pending socket from one address (503 at the upgrade), not one from another address', async () => {
    for (let i = 0; i < 3; i++) expect((await socket('127.0.0.2')).refused).toBeUndefined();
    expect((await socket('127.0.0.2')).refused).toBe(503);
    const other = await socket('127.0.0.3');
    expect(other.refused).toBeUndefined();
    expect(await init(other.ws, 's1')).toBe('ack');
  });

  it('does not count pending sockets against LIVE_MAX_CONNECTIONS: 3 pending and 3 acknowledged, then 503', async () => {
    for (const address of ['127.0.0.4', '127.0.0.5', '127.0.0.6']) expect((await socket(address)).refused).toBeUndefined();
    for (const [address, token] of [['127.0.0.7', 's1'], ['127.0.0.8', 's2'], ['127.0.0.9', 's3']]) {
      const { ws } = await socket(address);
      expect(await init(ws, token)).toBe('ack');
    }
    expect((await socket('127.0.0.10')).refused).toBe(503);
  });

  it('closes a socket that sends no connection_init within LIVE_INIT_TIMEOUT_MS (4408), which frees its pending slot', async () => {
    const sockets = await Promise.all([socket('127.0.0.11'), socket('127.0.0.11'), socket('127.0.0.11')]);
    const codes = await Promise.all(sockets.map(({ ws }) => new Promise<number>((resolve) => ws.once('close', resolve))));
    expect(codes).toEqual([4408, 4408, 4408]);
    expect((await socket('127.0.0.11')).refused).toBeUndefined();
  });

  it('lets one session hold at most 2 sockets: a 3rd is closed with 4429, another session is not', async () => {
    for (const address of ['127.0.0.12', '127.0.0.13']) expect(await init((await socket(address)).ws, 's1')).toBe('ack');
    expect(await init((await socket('127.0.0.14')).ws, 's1')).toBe(4429);
    expect(await init((await socket('127.0.0.15')).ws, 's2')).toBe('ack');
  });
});
