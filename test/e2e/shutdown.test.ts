import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { eventCalls, startHarness } from '../support/harness.js';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** Resolves with the first JSON log line whose msg is `msg`. */
  logged(msg: string): Promise<Record<string, unknown>>;
}

/**
 * Starts the built gateway (`node dist/main.js`, what `npm start` runs) as its own process, as a
 * user would: NODE_ENV unset (development), JSON logs on stdout. Waits for its URL.
 */
async function startProcess(env: Record<string, string>): Promise<Running> {
  const { NODE_ENV: _nodeEnv, ...parentEnv } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...parentEnv, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: Interface = createInterface({ input: child.stdout! });
  const seen: Array<Record<string, unknown>> = [];
  const waiters: Array<{ msg: string; resolve: (line: Record<string, unknown>) => void }> = [];
  lines.on('line', (text) => {
    if (!text.startsWith('{')) return;
    const line = JSON.parse(text) as Record<string, unknown>;
    seen.push(line);
    for (const waiter of waiters.filter((w) => w.msg === line.msg)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const logged = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = seen.find((line) => line.msg === msg);
      if (found) return resolve(found);
      waiters.push({ msg, resolve });
      void exited.then((code) => reject(new Error(`gateway exited with ${code} before logging "${msg}"`)));
    });
  const listening = await logged('pta-gateway listening');
  return { child, url: listening.url as string, exited, logged };
}

const LIST = JSON.stringify({ query: '{ securityEvents(first: 1) { totalCount } }' });
const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: LIST });
const readyz = (url: string) => fetch(url.replace('/graphql', '/readyz'));

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: `npm test` builds it first (npm run build)');
});

describe('the built gateway as a process, on an external PVWA', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ eventCount: 30 });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.clearFault();
    sim.clearRequests();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s: finishes the in-flight request, then exits 0', async (signal) => {
    const { child, url, exited } = await startProcess({ PVWA_URL: sim.url, SHUTDOWN_GRACE_MS: '5000' });
    sim.setFault({ kind: 'delay', ms: 500 }, { times: 1 });
    const inFlight = post(url);
    await sim.received(1, (r) => r.method === 'GET');
    child.kill(signal);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { securityEvents: { totalCount: 30 } } });
    expect(await exited).toBe(0);
    await expect(post(url)).rejects.toThrow();
  });

  it('during SHUTDOWN_DELAY_MS: /readyz answers 503 while requests are still served; then it exits 0', async () => {
    const { child, url, exited, logged } = await startProcess({ PVWA_URL: sim.url, SHUTDOWN_DELAY_MS: '1500' });
    child.kill('SIGTERM');
    await logged('shutting down');
    expect((await readyz(url)).status).toBe(503);
    const during = await post(url);
    expect(during.status).toBe(200);
    expect(await during.json()).toEqual({ data: { securityEvents: { totalCount: 30 } } });
    expect(eventCalls(sim, 'GET')).toHaveLength(1);
    expect(await exited).toBe(0);
  });

  it('answers what still waits on the PVWA when the grace period ends with SHUTTING_DOWN (503), not a reset, and exits 0', async () => {
    const { child, url, exited, logged } = await startProcess({ PVWA_URL: sim.url, SHUTDOWN_GRACE_MS: '300', PVWA_TIMEOUT_MS: '20000' });
    sim.setFault({ kind: 'delay', ms: 10_000 }, { times: 1 });
    const inFlight = post(url).then(async (r) => ({ status: r.status, body: await r.json() }), () => 'cut');
    await sim.received(1, (r) => r.method === 'GET');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await inFlight).toEqual({
      status: 503,
      body: { data: null, errors: [{ message: 'The gateway is shutting down; retry the request.', locations: [{ line: 1, column: 3 }], path: ['securityEvents'], extensions: { code: 'SHUTTING_DOWN' } }] },
    });
    await expect(logged('stopped')).resolves.toMatchObject({ signal: 'SIGTERM' });
  });
});

describe('a busy gateway stopped at once (SHUTDOWN_DELAY_MS=0)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ eventCount: 30 });
  });
  afterAll(() => sim.close());

  it('resets no connection that reached the listener before SIGTERM: each gets an answer (200, or 503 SHUTTING_DOWN)', async () => {
    const { child, url, exited } = await startProcess({ PVWA_URL: sim.url });
    const port = Number(new URL(url).port);
    // Stopped, the process accepts nothing: 100 connections complete their handshakes and wait in
    // the kernel's accept queue, as on a busy machine, when SIGTERM comes.
    child.kill('SIGSTOP');
    const sockets = await Promise.all(Array.from({ length: 100 }, () => new Promise<Socket>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
    })));
    child.kill('SIGTERM');
    child.kill('SIGCONT');
    const answers = await Promise.all(sockets.map((socket) => new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += String(chunk)));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.once('close', () => resolve(text));
      socket.write(`POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: demo-token\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(LIST)}\r\n\r\n${LIST}`);
    })));
    const statuses = answers.map((text) => /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? text);
    expect(statuses.filter((status) => status !== '200' && status !== '503')).toEqual([]);
    for (const text of answers.filter((answer) => answer.startsWith('HTTP/1.1 503'))) expect(text).toContain('"code":"SHUTTING_DOWN"');
    expect(await exited).toBe(0);
  });
});

describe('the built gateway as a process, on the embedded simulator (npm start)', () => {
  // Independent processes: run side by side.
  it.concurrent.each(['SIGINT', 'SIGTERM'] as const)('serves the demo data and exits 0 on %s', async (signal) => {
    const { child, url, exited } = await startProcess({});
    const response = await post(url);
    expect(await response.json()).toEqual({ data: { securityEvents: { totalCount: 240 } } });
    child.kill(signal);
    expect(await exited).toBe(0);
  });
});

describe('in process', () => {
  it('closes its upstream sockets on stop', async () => {
    const h = await startHarness();
    await h.gql('{ securityEvents(first: 1) { totalCount } }');
    expect(h.sim.openConnections).toBeGreaterThan(0);
    await h.gateway.stop();
    // Resolves only when the gateway closed them: the simulator itself is still running.
    await h.sim.idle();
    expect(h.sim.openConnections).toBe(0);
    await h.sim.close();
  });
});
