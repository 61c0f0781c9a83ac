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

  it('a list request still waiting when its deadline passes is UPSTREAM_TIMEOUT, without an upstream call', async () => {
    const one = await startHarness({ env: { PVWA_MAX_CONCURRENT_LISTS: '1', PVWA_DEADLINE_MS: '1500' } });
    try {
      // One slot: the first call takes 800 ms, the second would take 800 more (past the
      // deadline), and the third is still waiting for the slot when its deadline passes.
      one.sim.setFault({ kind: 'delay', ms: 800 }, { times: 2 });
      const tokens = sessions(one, 3);
      const answers = await Promise.all(tokens.map((token) => one.gql('{ securityEvents(first: 1) { totalCount } }', {}, { token })));
      const codes = answers.map(({ body }) => body.errors?.[0]?.extensions?.code ?? 'OK').sort();
      expect(codes).toEqual(['OK', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT']);
      expect(eventCalls(one.sim, 'GET')).toHaveLength(2);
    } finally {
      await one.close();
    }
  });
});
