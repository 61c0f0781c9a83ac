import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';
import { listenerOptions } from '../../src/http/server.js';
import { metric, startHarness, type Harness } from '../support/harness.js';

/** A raw TCP client: what it wrote is up to the test; `closed` says what the gateway answered before it closed. */
interface RawClient {
  socket: Socket;
  /** Resolves when the gateway closed the connection: everything it sent, and after how long. */
  closed: Promise<{ text: string; afterMs: number }>;
}

function openRaw(url: string, send = ''): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let started = 0;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A write after the gateway closed fails with EPIPE/ECONNRESET: the close is what is tested.
    socket.on('error', () => {});
    const closed = new Promise<{ text: string; afterMs: number }>((done) =>
      socket.once('close', () => done({ text: Buffer.concat(chunks).toString('latin1'), afterMs: performance.now() - started })),
    );
    socket.once('connect', () => {
      started = performance.now();
      if (send) socket.write(send);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

const LIST = '{ securityEvents(first: 1) { totalCount } }';
const HEADERS_TIMEOUT = 300;
const REQUEST_TIMEOUT = 800;
const KEEP_ALIVE = 400;

describe('the listener bounds what clients hold', () => {
  let h: Harness;
  let hostHeader: string;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT),
        HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE),
        MAX_REQUEST_BYTES: '2048',
      },
    });
    hostHeader = new URL(h.gateway.url).host;
  });
  afterAll(() => h.close());

  it('closes 50 connections that never finish their headers after HTTP_HEADERS_TIMEOUT_MS, with 408, while serving others', async () => {
    const slow = await Promise.all(Array.from({ length: 50 }, () => openRaw(h.gateway.url, `POST /graphql HTTP/1.1\r\nHost: ${hostHeader}\r\nX-Slow: `)));
    // Others are served while the slow ones wait.
    const { body } = await h.gql(LIST);
    expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    const results = await Promise.all(slow.map((client) => client.closed));
    for (const { text, afterMs } of results) {
      expect(text).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      expect(afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT - 5);
      // Checked every quarter of the timeout: closed long before Node's default 30 s check.
      expect(afterMs).toBeLessThan(HEADERS_TIMEOUT + 1000);
    }
    expect((await h.gql(LIST)).body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });

  it('closes a connection whose body is still incomplete after HTTP_REQUEST_TIMEOUT_MS, with 408', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`;
    const client = await openRaw(h.gateway.url, head);
    const { text, afterMs } = await client.closed;
    expect(text).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT - 5);
    expect(afterMs).toBeLessThan(REQUEST_TIMEOUT + 1000);
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const request = `POST /graphql HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/json\r\nAuthorization: demo-token\r\nContent-Length: ${Buffer.byteLength(JSON.stringify({ query: LIST }))}\r\n\r\n${JSON.stringify({ query: LIST })}`;
    const client = await openRaw(h.gateway.url, request);
    const { text, afterMs } = await client.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // Told to the client in whole seconds (0.4 s is 0).
    expect(text).toContain('\r\nKeep-Alive: timeout=0\r\n');
    expect(text.endsWith('{"data":{"securityEvents":{"totalCount":40}}}\n')).toBe(true);
    expect(afterMs).toBeGreaterThanOrEqual(KEEP_ALIVE - 5);
    // Node closes the socket up to a second after the timeout it announced (its own margin).
    expect(afterMs).toBeLessThan(KEEP_ALIVE + 2000);
  });

  it('answers a body announced larger than MAX_REQUEST_BYTES with 413 and closes the connection at once', async () => {
    const client = await openRaw(h.gateway.url, `POST /graphql HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"query":"`);
    const { text, afterMs } = await client.closed;
    expect(text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(text).toContain('\r\nconnection: close\r\n');
    expect(text.endsWith('{"errors":[{"message":"The request body is larger than 2048 bytes.","extensions":{"code":"BAD_REQUEST"}}]}')).toBe(true);
    // Not held until a timeout: closed right after the answer.
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT);
  });

  it('answers a chunked body that grows past MAX_REQUEST_BYTES with 413 and closes the connection', async () => {
    const client = await openRaw(h.gateway.url, `POST /graphql HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 3; i++) client.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const { text, afterMs } = await client.closed;
    expect(text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(text).toContain('\r\nconnection: close\r\n');
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT);
  });
});

describe('MAX_CONNECTIONS', () => {
  it('closes connections past the limit as they arrive; the ones within it are served', async () => {
    const h = await startHarness({ env: { MAX_CONNECTIONS: '3' } });
    try {
      const held = await Promise.all(Array.from({ length: 3 }, () => openRaw(h.gateway.url)));
      const extra = await openRaw(h.gateway.url, `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(await extra.closed).toMatchObject({ text: '' });
      held[0].socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect((await held[0].closed).text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\{"status":"ok"\}$/);
      for (const client of held.slice(1)) client.socket.destroy();
    } finally {
      await h.close();
    }
  });
});

describe('MAX_CONNECTIONS_PER_ADDRESS', () => {
  it('closes a 6th connection from one address as it arrives, while another address is served', async () => {
    const h = await startHarness({ env: { MAX_CONNECTIONS_PER_ADDRESS: '5' } });
    const port = Number(new URL(h.gateway.url).port);
    const from = (localAddress: string) => new Promise<Socket>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    });
    try {
      // Five idle keep-alive connections hold the address's share.
      const held = await Promise.all(Array.from({ length: 5 }, () => from('127.0.0.2')));
      const sixth = await from('127.0.0.2');
      const closed = new Promise<string>((resolve) => {
        let data = '';
        sixth.on('data', (chunk) => (data += String(chunk)));
        // Closed, or reset when the request raced the close: never answered either way.
        sixth.on('error', () => {});
        sixth.once('close', () => resolve(data));
      });
      sixth.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
      expect(await closed).toBe('');
      const other = await from('127.0.0.3');
      const answer = await new Promise<string>((resolve) => {
        other.once('data', (chunk) => resolve(String(chunk)));
        other.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(await metric(h, 'pta_gateway_connections_refused_total{reason="address"}')).toBe(1);
      for (const socket of [...held, other]) socket.destroy();
    } finally {
      await h.close();
    }
  });
});

describe('listener configuration', () => {
  it('defaults: headers 10 s, whole request 30 s, keep-alive 65 s, 10,000 connections, checked every second', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ HTTP_HEADERS_TIMEOUT_MS: 10_000, HTTP_REQUEST_TIMEOUT_MS: 30_000, HTTP_KEEP_ALIVE_TIMEOUT_MS: 65_000, MAX_CONNECTIONS: 10_000 });
    expect(listenerOptions(config)).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 65_000, connectionsCheckingInterval: 1000 });
  });

  it('refuses a headers timeout longer than the request timeout, naming both', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(
      new ConfigError('Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS (got 40000 and 30000).'),
    );
  });
});
