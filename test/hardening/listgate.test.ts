import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';

/** `n` tokens that see the demo events. */
function sessions(h: Harness, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    h.sim.setEvents(`list-${i}`, h.sim.eventsOf());
    return `list-${i}`;
  });
}

describe('PVWA_MAX_CONCURRENT_LISTS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { PVWA_MAX_CONCURRENT_LISTS: '2', PVWA_DEADLINE_MS: '1500' } });
  });
  afterAll(() => h.close());

  it('fetches at most that many lists at once; the others wait their turn and are served', async () => {
    h.sim.setFault({ kind: 'delay', ms: 100 }, { times: 6 });
    // Six sessions: one session's concurrent reads would share a GET (snapshots' single flight).
    const tokens = sessions(h, 6);
    const answers = await Promise.all(tokens.map((token) => h.gql('{ securityEvents(first: 1) { totalCount } }', {}, { token })));
    for (const { body } of answers) expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    expect(eventCalls(h.sim, 'GET')).toHaveLength(6);
    // The simulator saw at most two lists being fetched at any moment, not six.
    expect(h.sim.peakInFlight('GET')).toBe(2);
  });

  it('a list request still waiting for its slot when its deadline passes is UPSTREAM_TIMEOUT at its deadline, not after the slot frees', async () => {
    const one = await startHarness({ env: { PVWA_MAX_CONCURRENT_LISTS: '1', PVWA_DEADLINE_MS: '1000', PVWA_TIMEOUT_MS: '20000' }, logLevel: 'info' });
    try {
      // One slot, and a PVWA that holds every list for 5 s: the first request runs into its
      // deadline; the others wait for the slot, and must not wait past their own deadline.
      one.sim.setFault({ kind: 'delay', ms: 5_000 }, { times: 3 });
      const tokens = sessions(one, 3);
      const started = performance.now();
      const answers = await Promise.all(tokens.map((token) => one.gql('{ securityEvents(first: 1) { totalCount } }', {}, { token })));
      const took = performance.now() - started;
      expect(answers.map(({ body }) => body.errors?.[0]?.extensions?.code)).toEqual(['UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT']);
      // Each answered at about its deadline (1 s), far from the 5 s the slot's holder would take.
      expect(took).toBeLessThan(2_500);
    } finally {
      await one.close();
    }
    // After close every request line is written: each says UPSTREAM_TIMEOUT, with at most one call.
    const lines = one.logs.filter((line) => line.msg === 'graphql request');
    expect(lines.map((line) => line.outcome)).toEqual(['UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT']);
    for (const line of lines) expect(line.upstreamCalls).toBeLessThanOrEqual(1);
  });
});
