import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { fixture, startHarness, type Harness } from '../support/harness.js';
import { riskCalls } from './support.js';

const SUMMARY = '{ riskSummary { type score attributes { attributeType amount } } }';

/** The docs' example, as the graph shows it. */
const DOCS_SUMMARY = [
  { type: 'RISK_RISKY_SPN', score: 70, attributes: [{ attributeType: 'PRIVILEGED_ACCOUNT', amount: 3 }] },
  { type: 'RISK_UNCONSTRAINED_DELEGATION', score: 70, attributes: [{ attributeType: 'ACCOUNT', amount: 2 }] },
];

describe('riskSummary', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
    h.sim.configureRisks({ summaryShape: 'array' });
  });

  /** The summary counted here over the simulator's risk events: open ones by type and kind of entity, the highest score. */
  function expectedSummary() {
    const byType = new Map<string, { score: number; amounts: Record<string, number> }>();
    for (const risk of h.sim.risksOf().filter((r) => r.status === 'OPEN')) {
      const entry = byType.get(String(risk.type)) ?? { score: 0, amounts: {} };
      entry.score = Math.max(entry.score, Number(risk.score));
      const kind = String((risk.riskAccount as Record<string, unknown>).entityType);
      entry.amounts[kind] = (entry.amounts[kind] ?? 0) + 1;
      byType.set(String(risk.type), entry);
    }
    return [...byType.keys()].sort().map((type) => ({
      type,
      score: byType.get(type)!.score,
      attributes: Object.keys(byType.get(type)!.amounts).sort().map((attributeType) => ({ attributeType, amount: byType.get(type)!.amounts[attributeType] })),
    }));
  }

  it.each(['array', 'data'] as const)('reads the summary sent as %s, with one GET of Risks/Summary/', async (summaryShape) => {
    h.sim.configureRisks({ summaryShape });
    const { body } = await h.gql(SUMMARY);
    expect(body.errors).toBeUndefined();
    const expected = expectedSummary();
    expect(expected.map((entry) => entry.type)).toEqual(['RISK_RISKY_SPN', 'RISK_UNCONSTRAINED_DELEGATION']);
    expect(body.data!.riskSummary).toEqual(expected);
    const calls = riskCalls(h.sim);
    expect(calls.map((call) => `${call.method} ${call.path}?${call.search}`)).toEqual(['GET /PasswordVault/API/pta/API/Risks/Summary/?']);
    expect(calls[0].headers.authorization).toBe('demo-token');
    // The simulator really answered in that shape.
    const sent = await (await fetch(`${h.sim.url}/API/pta/API/Risks/Summary/`, { headers: { authorization: 'demo-token' } })).json();
    expect(summaryShape === 'array' ? sent : (sent as { data: unknown }).data).toEqual(expected);
  });

  it.each([
    ['the docs example as it is (a bare array)', (docs: unknown) => docs],
    ['the docs example wrapped in {"data": [...]}', (docs: unknown) => ({ data: docs })],
  ])('maps %s', async (_name, shape) => {
    const docs = fixture<unknown[]>('get-risk-summary.docs-example.json');
    h.sim.setFault({ kind: 'status', status: 200, body: JSON.stringify(shape(docs)) }, { times: 1 });
    const { body } = await h.gql(SUMMARY);
    expect(body).toEqual({ data: { riskSummary: DOCS_SUMMARY } });
  });

  it('reads odd entries tolerantly: no score is null, unreadable attributes and entries without a type are left out with a warning', async () => {
    const odd = [
      { type: 'RISK_RISKY_SPN', attributes: [{ attributeType: 'ACCOUNT', amount: '4' }, { attributeType: 'MACHINE' }, { amount: 2 }, 'x', { attributeType: 'MACHINE', amount: 1.5 }] },
      { type: 'RISK_UNCONSTRAINED_DELEGATION', score: 80.5, attributes: 'none' },
      { score: 10, attributes: [] },
    ];
    h.sim.setFault({ kind: 'status', status: 200, body: JSON.stringify(odd) }, { times: 1 });
    const { body } = await h.gql(SUMMARY);
    expect(body.data!.riskSummary).toEqual([
      { type: 'RISK_RISKY_SPN', score: null, attributes: [{ attributeType: 'ACCOUNT', amount: 4 }] },
      { type: 'RISK_UNCONSTRAINED_DELEGATION', score: 80.5, attributes: [] },
    ]);
    expect(body.extensions!.warnings).toEqual([
      { code: 'UPSTREAM_EVENT_SKIPPED', message: 'A risk summary entry from the PVWA was left out because type is missing.' },
    ]);
  });

  it.each([
    ['an object without data', { value: [] }],
    ['a number', 7],
    ['data that is not a list', { data: {} }],
  ])('answers UPSTREAM_ERROR for %s', async (_name, answer) => {
    h.sim.setFault({ kind: 'status', status: 200, body: JSON.stringify(answer) }, { times: 1 });
    const { body } = await h.gql(SUMMARY);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({
      message: 'The PVWA answered with something other than a risk summary.',
      extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 200 },
    })]);
  });
});
