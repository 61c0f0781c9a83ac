import { afterEach, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';

const LIST = JSON.stringify({ query: '{ securityEvents(first: 1) { totalCount } }' });
const SHUTTING_DOWN = {
  data: null,
  errors: [{ message: 'The gateway is shutting down; retry the request.', locations: [{ line: 1, column: 3 }], path: ['securityEvents'], extensions: { code: 'SHUTTING_DOWN' } }],
};

/** Sends `count` list requests, each on its own connection; resolves once the gateway received them all. */
async function sendLists(h: Harness, count: number) {
  let received = 0;
  const allReceived = new Promise<void>((resolve) => {
    const onRequest = () => {
      if (++received < count) return;
      h.gateway.server.off('request', onRequest);
      resolve();
    };
    h.gateway.server.on('request', onRequest);
  });
  const answers = Array.from({ length: count }, () =>
    fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token', connection: 'close' }, body: LIST }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as unknown }),
      (error: Error) => ({ status: 0, body: `cut: ${error.message}` }),
    ),
  );
  await allReceived;
  return answers;
}

describe('at the end of the grace period, requests still waiting are answered, not cut', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('50 lists queued behind a PVWA that never answers: all get SHUTTING_DOWN with HTTP 503, none a reset', async () => {
    // Snapshots off: one session's concurrent reads would share a GET instead of queueing.
    h = await startHarness({ env: { PVWA_MAX_CONCURRENT_LISTS: '2', SHUTDOWN_GRACE_MS: '300', PVWA_TIMEOUT_MS: '30000', PVWA_SNAPSHOT_MAX_AGE_MS: '0' } });
    h.sim.setFault({ kind: 'delay', ms: 20_000 });
    const answers = await sendLists(h, 50);
    // Two are being fetched, 48 wait for a list slot.
    await h.sim.received(2, (r) => r.method === 'GET');
    const started = performance.now();
    await h.gateway.stop();
    expect(performance.now() - started).toBeLessThan(300 + 1000);
    const results = await Promise.all(answers);
    expect(results).toEqual(Array(50).fill({ status: 503, body: SHUTTING_DOWN }));
    expect(h.sim.requests).toHaveLength(2);
  });

  it('50 lists at shutdown behind a slow PVWA: each gets its data or SHUTTING_DOWN', async () => {
    h = await startHarness({ env: { PVWA_MAX_CONCURRENT_LISTS: '4', SHUTDOWN_GRACE_MS: '400', PVWA_SNAPSHOT_MAX_AGE_MS: '0' }, logLevel: 'info' });
    h.sim.setFault({ kind: 'delay', ms: 150 });
    const answers = await sendLists(h, 50);
    await h.gateway.stop();
    const results = await Promise.all(answers);
    const served = results.filter((r) => r.status === 200);
    const stopped = results.filter((r) => r.status === 503);
    expect(served.length + stopped.length).toBe(50);
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    for (const { body } of served) expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    for (const { body } of stopped) expect(body).toEqual(SHUTTING_DOWN);
    const lines = h.logs.filter((line) => line.msg === 'graphql request');
    expect(lines).toHaveLength(50);
    expect(lines.filter((line) => line.outcome === 'SHUTTING_DOWN' && line.status === 503)).toHaveLength(stopped.length);
  });
});
