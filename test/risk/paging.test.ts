import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';
import { pvwaOrder, riskCalls } from './support.js';

const PAGE = `query Page($first: Int, $after: String, $sort: RiskEventSort, $filter: RiskEventFilter) {
  riskEvents(first: $first, after: $after, sort: $sort, filter: $filter) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  totalCount: number;
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

describe('riskEvents: paging over the PVWA pages', () => {
  let h: Harness;
  let order: string[];
  beforeAll(async () => {
    h = await startHarness({ simulator: { riskEventCount: 130 } });
    order = pvwaOrder(h.sim.risksOf());
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearRequests());

  async function page(variables: Record<string, unknown>): Promise<Page> {
    const { body } = await h.gql(PAGE, variables);
    expect(body.errors).toBeUndefined();
    return body.data!.riskEvents as Page;
  }

  it('walks 130 risk events with first: 25 in six pages, each event once and in the PVWA order, one PVWA call (page N, size 25) per page', async () => {
    expect(order).toHaveLength(130);
    const seen: string[] = [];
    const searches: string[][] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      h.sim.clearRequests();
      const { totalCount, edges, pageInfo } = await page({ first: 25, after });
      searches.push(riskCalls(h.sim).map((call) => call.search));
      expect(totalCount).toBe(130);
      expect(pageInfo.hasPreviousPage).toBe(pages > 0);
      expect(pageInfo.startCursor).toBe(edges[0].cursor);
      expect(pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
      seen.push(...edges.map((edge) => edge.node.id));
      pages++;
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(pages).toBe(6);
    expect(seen).toEqual(order);
    expect(searches).toEqual([0, 1, 2, 3, 4, 5].map((n) => [`sort=detectionTime&page=${n}&size=25`]));
  });

  it('fetches exactly the two PVWA pages that cover a page starting between them', async () => {
    const ten = await page({ first: 10 });
    h.sim.clearRequests();
    const next = await page({ first: 25, after: ten.pageInfo.endCursor });
    expect(next.edges.map((edge) => edge.node.id)).toEqual(order.slice(10, 35));
    expect(riskCalls(h.sim).map((call) => call.search).sort()).toEqual(['sort=detectionTime&page=0&size=25', 'sort=detectionTime&page=1&size=25']);

    // An edge's cursor is a place to start too.
    h.sim.clearRequests();
    const fromEdge = await page({ first: 25, after: next.edges[3].cursor });
    expect(fromEdge.edges.map((edge) => edge.node.id)).toEqual(order.slice(14, 39));
    expect(riskCalls(h.sim).map((call) => call.search).sort()).toEqual(['sort=detectionTime&page=0&size=25', 'sort=detectionTime&page=1&size=25']);
  });

  it('walks with first changing from page to page (7, 25, 13, 40, 3) without a gap or a repeat, at most two PVWA calls a page', async () => {
    const firsts = [7, 25, 13, 40, 3];
    const seen: string[] = [];
    const callsPerPage: number[] = [];
    // One call when the page starts on a multiple of its first, else the two that cover it.
    const expectedCalls: number[] = [];
    let after: string | null = null;
    for (let i = 0; ; i++) {
      const first = firsts[i % firsts.length];
      expectedCalls.push(seen.length % first === 0 ? 1 : 2);
      h.sim.clearRequests();
      const { edges, pageInfo } = await page({ first, after });
      callsPerPage.push(riskCalls(h.sim).length);
      seen.push(...edges.map((edge) => edge.node.id));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(order);
    expect(callsPerPage).toEqual(expectedCalls);
    expect(callsPerPage).toEqual([1, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('sorts by score when asked: sort=score, in the order the PVWA answers', async () => {
    const { edges, pageInfo } = await page({ first: 500, sort: 'SCORE' });
    expect(edges.map((edge) => edge.node.id)).toEqual(pvwaOrder(h.sim.risksOf(), 'score'));
    expect(pageInfo.hasNextPage).toBe(false);
    expect(riskCalls(h.sim).map((call) => call.search)).toEqual(['sort=score&page=0&size=500']);
  });

  it('answers an empty page past the end with null cursors and no next page', async () => {
    const last = await page({ first: 130 });
    expect(last.pageInfo.hasNextPage).toBe(false);
    const past = await page({ first: 10, after: last.pageInfo.endCursor });
    expect(past).toEqual({ totalCount: 130, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
  });

  describe('refuses with BAD_USER_INPUT and no PVWA call', () => {
    let cursor: string;
    beforeAll(async () => {
      cursor = (await page({ first: 5 })).pageInfo.endCursor!;
    });

    it.each([
      ['another sort', { sort: 'SCORE' }],
      ['another status', { filter: { status: 'OPEN' } }],
      ['another type', { filter: { type: 'RISK_RISKY_SPN' } }],
      ['another detection window', { filter: { detectedFrom: '2025-12-01T00:00:00Z' } }],
    ])('a cursor of %s', async (_name, variables) => {
      const { body } = await h.gql(PAGE, { first: 5, after: cursor, ...variables });
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({
        message: '`after` is a cursor of another filter or sort; pass it with the filter and sort it came with.',
        extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
      })]);
      expect(h.sim.requests).toHaveLength(0);
    });

    it('a cursor the gateway did not issue: a security event cursor, garbage, an altered one', async () => {
      const events = await h.gql('{ securityEvents(first: 1) { pageInfo { endCursor } } }');
      const eventCursor = events.body.data!.securityEvents.pageInfo.endCursor as string;
      h.sim.clearRequests();
      const altered = Buffer.from(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^r1:/, 'r2:'), 'utf8').toString('base64url');
      for (const after of [eventCursor, 'garbage', '', `${cursor}=`, altered, Buffer.from('r1:-1:AAAAAAAAAAAAAAAA').toString('base64url')]) {
        const { body } = await h.gql(PAGE, { first: 5, after });
        expect(body.errors).toEqual([expect.objectContaining({
          message: '`after` is not a cursor of `riskEvents`; pass a pageInfo.endCursor or edge cursor.',
          extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
        })]);
      }
      expect(h.sim.requests).toHaveLength(0);
    });

    it('first outside 1 to 500', async () => {
      for (const first of [0, -1, 501]) {
        const { body } = await h.gql(PAGE, { first });
        expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'first' });
      }
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  it('answers UNAUTHENTICATED without a session, with no PVWA call', async () => {
    const { body } = await h.gql(PAGE, { first: 5 }, { token: null });
    expect(body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(h.sim.requests).toHaveLength(0);
  });
});
