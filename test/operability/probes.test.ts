import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';

describe('health probes', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'info', env: { READINESS_INTERVAL_MS: '100', READINESS_TIMEOUT_MS: '2000', SHUTDOWN_DELAY_MS: '400' } });
    base = h.gateway.url.replace('/graphql', '');
  });
  afterAll(() => h.close());

  const status = async (path: string) => (await fetch(base + path)).status;

  it('/healthz answers 200 while the process serves, whatever the PVWA does', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz turns unready when the PVWA goes away and ready when it returns, without any token', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const port = Number(new URL(h.sim.url).port);
    const reachable = h.logs.filter((line) => line.msg === 'PVWA reachable').length;
    const unreachable = h.logs.filter((line) => line.msg === 'PVWA unreachable: /readyz answers 503').length;
    await h.sim.close();
    // The background check logs each change of the answer.
    await h.logged((line) => line.msg === 'PVWA unreachable: /readyz answers 503', unreachable + 1);
    expect(await status('/readyz')).toBe(503);
    const unready = await fetch(`${base}/readyz`);
    expect(await unready.json()).toEqual({ status: 'unready', reason: 'PVWA unreachable' });
    expect(await status('/healthz')).toBe(200);

    await h.sim.start(port);
    await h.logged((line) => line.msg === 'PVWA reachable', reachable + 1);
    expect(await status('/readyz')).toBe(200);
    // The checks are plain TCP connections: the PVWA never saw an HTTP request from them.
    expect(h.sim.requests).toHaveLength(0);
  });

  it('/readyz answers 503 as soon as shutdown starts, while requests are still served', async () => {
    const stopping = h.gateway.stop();
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unready', reason: 'shutting down' });
    const { body } = await h.gql('{ securityEvents(first: 1) { totalCount } }');
    expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    await stopping;
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();
  });
});
