import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TRUNCATED_MARKER } from '../../src/pvwa/validate.js';
import { startHarness, type Harness } from '../support/harness.js';
import { RISK_FIELDS } from './support.js';

const PAGE = `query Page($after: String) {
  riskEvents(first: 2, sort: SCORE, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${RISK_FIELDS} } }
}`;

/** `{"d": {"d": ... 1}}`, `depth` levels deep. */
const nested = (depth: number): Record<string, unknown> => (depth === 1 ? { d: 1 } : { d: nested(depth - 1) });
/** What is passed through of a deeper value: 64 levels, the innermost holding the marker. */
const cutAt64 = (depth: number): Record<string, unknown> => (depth === 1 ? { d: TRUNCATED_MARKER } : { d: cutAt64(depth - 1) });

// Listed by score: a, b, c, d, e.
const RISKS = [
  { id: 'a', type: 'RISK_RISKY_SPN', status: 'OPEN', detectionTime: 1_700_000_005_000, score: 90, riskAccount: { name: 'svc_sql', extra: [1, { x: null }] }, riskService: { spn: 'MSSQLSvc/db02' }, futureKey: true },
  { id: 'b', type: 'RISK_RISKY_SPN', status: 'OPEN', detectionTime: 'soon', score: 80 },
  { id: 'c', type: 'RISK_UNCONSTRAINED_DELEGATION', status: 'closed', detectionTime: 1_700_000_000, score: 70, closeReason: 'notreal', reasonText: 42, riskAccount: 'svc' },
  { id: 'd', type: 'RISK_UNCONSTRAINED_DELEGATION', status: 'OPEN', detectionTime: 1_700_000_001_000, score: 60, riskAccount: nested(70) },
  { id: 'e', type: 'RISK_RISKY_SPN', status: 'OPEN', detectionTime: 1_700_000_002_000 },
];

describe('riskEvents: mapping what the PVWA sends', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.sim.setRisks('odd', RISKS);
  });
  afterAll(() => h.close());

  it('maps each field tolerantly, leaves out what cannot be shown with a warning, and pages on past it', async () => {
    const first = await h.gql(PAGE, {}, { token: 'odd' });
    expect(first.body.data!.riskEvents.nodes).toEqual([{
      id: 'a', type: 'RISK_RISKY_SPN', score: 90, status: 'OPEN', detectionTime: '2023-11-14T22:13:25.000Z', closeReason: null, reasonText: null,
      account: { name: 'svc_sql', extra: [1, { x: null }] }, service: { spn: 'MSSQLSvc/db02' },
    }]);
    expect(first.body.data!.riskEvents.totalCount).toBe(5);
    expect(first.body.extensions!.warnings).toEqual([
      { code: 'UPSTREAM_EVENT_SKIPPED', message: 'A risk event from the PVWA was left out because detectionTime is not a time.', eventId: 'b' },
    ]);

    // The cursor is past the item left out: the next page starts at c.
    const second = await h.gql(PAGE, { after: first.body.data!.riskEvents.pageInfo.endCursor }, { token: 'odd' });
    expect(second.body.data!.riskEvents.nodes).toEqual([
      {
        id: 'c', type: 'RISK_UNCONSTRAINED_DELEGATION', score: 70, status: 'CLOSED', detectionTime: '2023-11-14T22:13:20.000Z',
        closeReason: 'NOT_REAL', reasonText: null, account: {}, service: {},
      },
      {
        id: 'd', type: 'RISK_UNCONSTRAINED_DELEGATION', score: 60, status: 'OPEN', detectionTime: '2023-11-14T22:13:21.000Z',
        closeReason: null, reasonText: null, account: cutAt64(64), service: {},
      },
    ]);
    expect(second.body.extensions!.warnings).toEqual([{
      code: 'UPSTREAM_VALUE_TRUNCATED',
      message: 'A value of a risk event from the PVWA was nested deeper than 64 levels; `account` is cut at that depth.',
      eventId: 'd',
      field: 'account',
    }]);

    const third = await h.gql(PAGE, { after: second.body.data!.riskEvents.pageInfo.endCursor }, { token: 'odd' });
    expect(third.body.data!.riskEvents).toMatchObject({ pageInfo: { hasNextPage: false }, nodes: [{ id: 'e', score: null }] });
  });

  it('answers UPSTREAM_ERROR for a list that is not a page of risk events', async () => {
    for (const answer of [[], { entities: [] }, { entities: {}, totalEntities: 0 }, { entities: [], totalEntities: -1 }, { entities: [], totalEntities: '3' }]) {
      h.sim.setFault({ kind: 'status', status: 200, body: JSON.stringify(answer) }, { times: 1 });
      const { body } = await h.gql('{ riskEvents { totalCount } }');
      expect(body.errors).toEqual([expect.objectContaining({
        message: 'The PVWA answered with something other than a page of risk events.',
        extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 200 },
      })]);
    }
  });
});
