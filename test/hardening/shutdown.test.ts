import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startHarness } from '../support/harness.js';

/** Starts `src/main.ts` as its own process, as in production, and waits for its URL. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('gateway did not start'));
    }, 15_000);
    timer.unref();
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('pta-gateway listening')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { child, url, exited };
}

const LIST = JSON.stringify({ query: '{ securityEvents(first: 1) { totalCount } }' });
const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: LIST });

describe('shutdown on SIGTERM', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ eventCount: 30 });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.clearFault());

  it('stops accepting, finishes the in-flight request, and exits 0', async () => {
    const { child, url, exited } = await startProcess({ PVWA_URL: sim.url, SHUTDOWN_GRACE_MS: '5000' });
    sim.setFault({ kind: 'delay', ms: 800 }, { times: 1 });
    const inFlight = post(url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = performance.now();
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { securityEvents: { totalCount: 30 } } });
    expect(await exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(3000);
    await expect(post(url)).rejects.toThrow();
  });

  it('cuts what is still running when the grace period ends, and exits 0', async () => {
    const { child, url, exited } = await startProcess({ PVWA_URL: sim.url, SHUTDOWN_GRACE_MS: '300', PVWA_TIMEOUT_MS: '20000' });
    sim.setFault({ kind: 'delay', ms: 10_000 }, { times: 1 });
    const inFlight = post(url).then((r) => r.status, () => 'cut');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(2500);
    expect(await inFlight).toBe('cut');
  });

  it('closes its upstream sockets', async () => {
    const h = await startHarness();
    await h.gql('{ securityEvents(first: 1) { totalCount } }');
    expect(h.sim.openConnections).toBeGreaterThan(0);
    await h.gateway.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.sim.openConnections).toBe(0);
    await h.sim.close();
  });
});
