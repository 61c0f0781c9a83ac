import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { eventsFor } from '../support/events.js';

/**
 * The built gateway with `npm start`'s heap flags (896 MiB of old space), under 200 concurrent
 * requests whose answers are 4 MB each (800 MB together) from clients that do not read: it builds
 * only what the answer budget holds at once (MAX_ANSWER_BYTES_IN_FLIGHT), the others wait their
 * turn, and it stays up, far under the 1280 MiB the Kubernetes manifest allows. (Building all of
 * them at once ran the heap out of memory.)
 */
const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const START_FLAGS = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts.start as string).split(/\s+/).filter((arg) => arg.startsWith('--'));
const TOKENS = Array.from({ length: 8 }, (_, i) => `heavy-${i}`);
/** 200 events with a 20 KB additionalData each: about 4 MB of `raw`. */
const QUERY = JSON.stringify({ query: '{ securityEvents(first: 200) { nodes { id additionalData { raw } } } }' });
const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('200 concurrent large answers to clients that do not read', () => {
  let sim: Simulator;
  let child: ChildProcess;
  let url: URL;
  beforeAll(async () => {
    sim = await startSimulator({ record: false });
    for (const token of TOKENS) sim.setEvents(token, eventsFor(token, 200).map((event) => ({ ...event, additionalData: { note: 'n'.repeat(20_000) } })));
    child = spawn(process.execPath, [...START_FLAGS, MAIN], {
      env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', PVWA_URL: sim.url, SESSION_SECRET: 'ab'.repeat(32), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<URL>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"pta-gateway listening"')) resolve(new URL((JSON.parse(line) as { url: string }).url));
      });
    });
  });
  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await sim.close();
  });

  it('builds the budget\'s worth at once, keeps the rest waiting, stays up and small', async () => {
    // Each session's snapshot is warm (what its events weigh is known), as on a busy console.
    for (const token of TOKENS) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: QUERY });
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(4_000_000);
    }
    const sockets: Socket[] = [];
    const answered = Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), '127.0.0.1', () => {
        socket.write(`POST /graphql HTTP/1.1\r\nhost: x\r\nauthorization: ${TOKENS[i % TOKENS.length]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(QUERY)}\r\n\r\n${QUERY}`);
      });
      // Never read: the answer stays with the gateway (and the kernel).
      socket.pause();
      socket.once('readable', () => resolve());
      sockets.push(socket);
    }));
    // 64 MiB of 4 MB answers: about 16 are built at a time (their clients have data to read); the others
    // wait for room, which their gauge says: it is scraped until every request is accounted for.
    let readable = 0;
    for (const done of answered) void done.then(() => readable++);
    const gauge = async (name: string) => Number((await (await fetch(new URL('/metrics', url))).text()).split('\n').find((line) => line.startsWith(`${name} `))!.split(' ')[1]);
    for (let scrape = 0; (await gauge('pta_gateway_answers_waiting')) + readable < 200; scrape++) {
      if (scrape > 500) throw new Error(`not all requests came to wait or answer: ${await gauge('pta_gateway_answers_waiting')} waiting, ${readable} answered`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // What the kernel's socket buffers took is no longer the gateway's: those answers made room.
    expect(readable).toBeLessThan(50);
    expect(await gauge('pta_gateway_answer_bytes_held')).toBeLessThanOrEqual(64 * 1024 * 1024 + 4_100_000);
    const peak = rssMb(child.pid!, 'VmHWM');
    for (const socket of sockets) socket.destroy();
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    expect(peak).toBeLessThan(400);
  });
});
