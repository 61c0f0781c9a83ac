import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createDemoRisks } from '../../src/simulator/risk-data.js';
import { metric, metricsText, startHarness, type Harness } from '../support/harness.js';
import { pvwaOrder, riskCalls } from './support.js';

const ALICE = 'alice-session-token-6b1f0c2e9a';
const BOB = 'bob-session-token-0d4e7a9c31';
const PAGE = `query Page($first: Int, $after: String) {
  riskEvents(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
}`;
const BOTH = '{ riskEvents(first: 7) { totalCount nodes { id } } riskSummary { type attributes { attributeType amount } } }';

type Risk = Record<string, unknown>;

/** The open risk events of a list, counted by type: what its summary's amounts add up to. */
function openByType(risks: readonly Risk[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const risk of risks) if (risk.status === 'OPEN') counts[String(risk.type)] = (counts[String(risk.type)] ?? 0) + 1;
  return counts;
}

describe('risk events of two sessions', () => {
  let h: Harness;
  const ended: Array<[string, string]> = [];
  const risks: Record<string, Risk[]> = { [ALICE]: createDemoRisks(60, 1), [BOB]: createDemoRisks(45, 2) };
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'debug', onSessionEnded: (token, reason) => ended.push([token, reason]) });
    for (const token of [ALICE, BOB]) h.sim.setRisks(token, risks[token]);
    const ids = (token: string) => risks[token].map((risk) => risk.id);
    expect(ids(ALICE).filter((id) => ids(BOB).includes(id))).toEqual([]);
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearRequests());

  it('starts the metrics of the risk endpoints at zero', async () => {
    for (const endpoint of ['getRiskEvents', 'getRiskSummary', 'updateRiskEvent']) {
      expect(await metric(h, `pta_gateway_pvwa_retries_total{endpoint="${endpoint}"}`)).toBe(0);
      expect(await metric(h, `pta_gateway_pvwa_timeouts_total{endpoint="${endpoint}"}`)).toBe(0);
    }
  });

  it('under concurrency, each session gets only its own risk events and summary, and each PVWA call carries its own token', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? ALICE : BOB));
    const answers = await Promise.all(tokens.map((token) => h.gql(BOTH, {}, { token })));
    answers.forEach(({ body }, i) => {
      const own = risks[tokens[i]];
      expect(body.errors).toBeUndefined();
      expect(body.data!.riskEvents).toEqual({ totalCount: own.length, nodes: pvwaOrder(own).slice(0, 7).map((id) => ({ id })) });
      const amounts = Object.fromEntries(body.data!.riskSummary.map((entry: { type: string; attributes: Array<{ amount: number }> }) =>
        [entry.type, entry.attributes.reduce((sum, attribute) => sum + attribute.amount, 0)]));
      expect(amounts).toEqual(openByType(own));
    });
    const calls = riskCalls(h.sim);
    expect(calls).toHaveLength(80);
    expect(calls.filter((call) => call.headers.authorization === ALICE)).toHaveLength(40);
    expect(calls.filter((call) => call.headers.authorization === BOB)).toHaveLength(40);
  });

  it('two sessions walking their lists at once each get every one of their own risk events, once', async () => {
    const walk = async (token: string): Promise<string[]> => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { body } = await h.gql(PAGE, { first: 9, after }, { token });
        const { nodes, pageInfo } = body.data!.riskEvents as { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
        seen.push(...nodes.map((node) => node.id));
        if (!pageInfo.hasNextPage) return seen;
        after = pageInfo.endCursor;
      }
    };
    const [alice, bob] = await Promise.all([walk(ALICE), walk(BOB)]);
    expect(alice).toEqual(pvwaOrder(risks[ALICE]));
    expect(bob).toEqual(pvwaOrder(risks[BOB]));
  });

  it("cannot change another session's risk event: NOT_FOUND, and that one stays as it was", async () => {
    const bobs = h.sim.risksOf(BOB).find((risk) => risk.status === 'OPEN')!;
    const { body } = await h.gql(`mutation { updateRiskEventStatus(id: "${String(bobs.id)}", status: CLOSED) { id } }`, {}, { token: ALICE });
    expect(body.errors![0].extensions).toEqual({ code: 'NOT_FOUND', upstreamStatus: 404, pvwaErrorCode: 'SIM404E' });
    expect(h.sim.risksOf(BOB).find((risk) => risk.id === bobs.id)!.status).toBe('OPEN');
  });

  it('a token the PVWA no longer accepts (401) is UNAUTHENTICATED and ends that session, not the other', async () => {
    const carol = 'carol-session-token-5e8d2b7f40';
    h.sim.setRisks(carol, createDemoRisks(3, 3));
    h.sim.revoke(carol);
    const { body } = await h.gql('{ riskSummary { type } }', {}, { token: carol });
    expect(body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
    expect(ended).toEqual([[carol, 'rejected']]);
    const alice = await h.gql('{ riskSummary { type } }', {}, { token: ALICE });
    expect(alice.body.errors).toBeUndefined();
  });

  it('never writes a token to the logs or the metrics', async () => {
    expect(h.logs.some((line) => line.msg === 'pvwa call' && line.endpoint === 'getRiskEvents')).toBe(true);
    const text = h.logText() + (await metricsText(h));
    for (const token of [ALICE, BOB, 'carol-session-token-5e8d2b7f40']) expect(text).not.toContain(token);
  });
});
