import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';

const CLOSE = 'mutation($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { id status } }';
const LIST = '{ securityEvents(first: 1) { totalCount } }';
const MB = 1024 * 1024;

/** The highest RSS of this process (gateway and simulator both) while `work` runs, sampled every 5 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(sampler);
  }
}

describe('upstream bodies are capped per endpoint as they arrive', () => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ env: { PVWA_MAX_EVENT_BYTES: String(MB) } });
    id = String(h.sim.eventsOf()[0].id);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearFault();
    h.sim.clearRequests();
  });

  it.each([
    [200, 'announced by content-length', true],
    [200, 'sent chunked, its length unannounced', false],
    [500, 'announced by content-length', true],
    [500, 'sent chunked, its length unannounced', false],
  ])('a PATCH answer (HTTP %i) over PVWA_MAX_EVENT_BYTES, %s, is cut at the cap: UPSTREAM_ERROR; the next one is served', async (status, _name, contentLength) => {
    h.sim.setFault({ kind: 'huge', bytes: 8 * MB, contentLength, status }, { times: 1 });
    const { body } = await h.gql(CLOSE, { id });
    // An error answer too: read whole, it would be "HTTP 500" with its status.
    expect(body).toEqual({
      data: null,
      errors: [{ message: 'The PVWA answer was larger than allowed.', locations: [{ line: 1, column: 22 }], path: ['updateEventStatus'], extensions: { code: 'UPSTREAM_ERROR' } }],
    });
    // Not retried: a cut answer is no reason to send the change again.
    expect(eventCalls(h.sim, 'PATCH')).toHaveLength(1);
    expect((await h.gql(CLOSE, { id })).body).toEqual({ data: { updateEventStatus: { id, status: 'CLOSED' } } });
  });

  it.each([200, 500])('a gzip PATCH answer (HTTP %i) that expands past PVWA_MAX_EVENT_BYTES is cut at the cap as it is decoded', async (status) => {
    // A few KB on the wire, 64 MB decoded: the cap is on what it expands to.
    h.sim.setFault({ kind: 'huge', bytes: 64 * MB, gzip: true, status }, { times: 1 });
    const before = process.memoryUsage().rss;
    const { result: { body }, peak } = await peakRss(async () => h.gql(CLOSE, { id }));
    expect(body).toEqual({
      data: null,
      errors: [{ message: 'The PVWA answer was larger than allowed.', locations: [{ line: 1, column: 22 }], path: ['updateEventStatus'], extensions: { code: 'UPSTREAM_ERROR' } }],
    });
    expect(eventCalls(h.sim, 'PATCH')).toHaveLength(1);
    expect(peak - before).toBeLessThan(32 * MB);
  });

  it('a PATCH answer just under PVWA_MAX_EVENT_BYTES is read (and refused only for not being an event)', async () => {
    h.sim.setFault({ kind: 'huge', bytes: MB - 1, contentLength: false }, { times: 1 });
    const { body } = await h.gql(CLOSE, { id });
    expect(body.errors![0]).toMatchObject({ message: 'The PVWA did not answer with a security event.', extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 200 } });
  });

  it('a list keeps PVWA_MAX_BODY_BYTES: an answer over the event cap but under the list cap is served', async () => {
    const events = Array.from({ length: 2000 }, (_, i) => ({ id: `e${i}`, type: 'T', score: 1, createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN', additionalData: { pad: 'x'.repeat(600) } }));
    h.sim.setEvents('big-list', events);
    expect(JSON.stringify(events).length).toBeGreaterThan(MB);
    expect((await h.gql(LIST, {}, { token: 'big-list' })).body).toEqual({ data: { securityEvents: { totalCount: 2000 } } });
  });

  it('30 concurrent 50 MB PATCH answers: all UPSTREAM_ERROR, RSS grows by less than 150 MB', async () => {
    // Warm: the first requests load code and fill pools, which is not what is measured.
    await h.gql(CLOSE, { id });
    for (const contentLength of [false, true]) {
      h.sim.clearRequests();
      // The 30 answers start together, once all 30 PATCHes arrived.
      h.sim.setFault({ kind: 'huge', bytes: 50 * MB, contentLength, together: 30 }, { times: 30 });
      const before = process.memoryUsage().rss;
      const { result: answers, peak } = await peakRss(() => Promise.all(Array.from({ length: 30 }, () => h.gql(CLOSE, { id }))));
      expect(answers.map(({ body }) => body.errors?.[0]?.extensions?.code)).toEqual(Array(30).fill('UPSTREAM_ERROR'));
      expect(h.sim.peakInFlight('PATCH')).toBe(30);
      expect(peak - before).toBeLessThan(150 * MB);
    }
    // /healthz still answers at once afterwards, and so does the PVWA path.
    expect((await fetch(h.gateway.url.replace('/graphql', '/healthz'))).status).toBe(200);
    expect((await h.gql(CLOSE, { id })).body).toEqual({ data: { updateEventStatus: { id, status: 'CLOSED' } } });
  });
});
