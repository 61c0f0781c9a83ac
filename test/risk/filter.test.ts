import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';
import { pvwaOrder, riskCalls } from './support.js';

const LIST = `query List($filter: RiskEventFilter) {
  riskEvents(first: 500, filter: $filter) { totalCount nodes { id type status detectionTime } }
}`;

type Risk = Record<string, unknown>;
const FROM = 1_766_188_800_000; // 2025-12-20T00:00:00Z
const TO = 1_766_925_000_500; // 2025-12-28T12:30:00.500Z
const inWindow = (from: number, to: number) => (risk: Risk) => Number(risk.detectionTime) >= from && Number(risk.detectionTime) <= to;

describe('riskEvents: the filter as the PVWA gets it', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { riskEventCount: 130 } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearRequests());

  // The query string exactly as it went on the wire (%20 and %22, as psPAS sends it), and the
  // risk events the filter keeps, counted here over the simulator's data.
  it.each<[string, Record<string, unknown> | null, string, (risk: Risk) => boolean]>([
    ['no filter', null, 'sort=detectionTime&page=0&size=500', () => true],
    ['an empty filter', {}, 'sort=detectionTime&page=0&size=500', () => true],
    ['type', { type: 'RISK_RISKY_SPN' }, 'filter=type%20eq%20%22RISK_RISKY_SPN%22&sort=detectionTime&page=0&size=500', (r) => r.type === 'RISK_RISKY_SPN'],
    ['status OPEN', { status: 'OPEN' }, 'filter=status%20eq%20%22OPEN%22&sort=detectionTime&page=0&size=500', (r) => r.status === 'OPEN'],
    ['status CLOSED', { status: 'CLOSED' }, 'filter=status%20eq%20%22CLOSED%22&sort=detectionTime&page=0&size=500', (r) => r.status === 'CLOSED'],
    ['detectedFrom alone: gte', { detectedFrom: '2025-12-20T00:00:00Z' }, 'filter=detectionTime%20gte%20%221766188800000%22&sort=detectionTime&page=0&size=500', inWindow(FROM, Infinity)],
    ['detectedTo alone: lte', { detectedTo: '2025-12-28T12:30:00.500Z' }, 'filter=detectionTime%20lte%20%221766925000500%22&sort=detectionTime&page=0&size=500', inWindow(0, TO)],
    ['both bounds: BETWEEN ... TO', { detectedFrom: '2025-12-20T00:00:00Z', detectedTo: '2025-12-28T12:30:00.500Z' }, 'filter=detectionTime%20BETWEEN%20%221766188800000%22%20TO%20%221766925000500%22&sort=detectionTime&page=0&size=500', inWindow(FROM, TO)],
    [
      'all four, joined by AND',
      { status: 'OPEN', type: 'RISK_UNCONSTRAINED_DELEGATION', detectedFrom: '2025-12-20T00:00:00Z', detectedTo: '2025-12-28T12:30:00.500Z' },
      'filter=type%20eq%20%22RISK_UNCONSTRAINED_DELEGATION%22%20AND%20status%20eq%20%22OPEN%22%20AND%20detectionTime%20BETWEEN%20%221766188800000%22%20TO%20%221766925000500%22&sort=detectionTime&page=0&size=500',
      (r) => r.type === 'RISK_UNCONSTRAINED_DELEGATION' && r.status === 'OPEN' && inWindow(FROM, TO)(r),
    ],
  ])('%s', async (_name, filter, search, keeps) => {
    const { body } = await h.gql(LIST, { filter });
    expect(body.errors).toBeUndefined();
    const calls = riskCalls(h.sim);
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe('GET');
    expect(calls[0].path).toBe('/PasswordVault/API/pta/API/Risks/RisksEvents/');
    expect(calls[0].search).toBe(search);
    const expected = pvwaOrder(h.sim.risksOf().filter(keeps));
    expect(expected.length).toBeGreaterThan(0);
    expect(body.data!.riskEvents.totalCount).toBe(expected.length);
    expect(body.data!.riskEvents.nodes.map((node: { id: string }) => node.id)).toEqual(expected);
  });

  it('sends the detection window as psPAS does (its test literal for 1979-11-12 to 2023-01-22)', async () => {
    const { body } = await h.gql(LIST, { filter: { detectedFrom: '1979-11-12T00:00:00Z', detectedTo: '2023-01-22T00:00:00Z' } });
    expect(body.data!.riskEvents).toEqual({ totalCount: 0, nodes: [] });
    expect(riskCalls(h.sim)[0].search).toBe('filter=detectionTime%20BETWEEN%20%22311212800000%22%20TO%20%221674345600000%22&sort=detectionTime&page=0&size=500');
  });

  it('passes a type the gateway does not know (an open set) as it is', async () => {
    const { body } = await h.gql(LIST, { filter: { type: 'RISK_NEW_KIND_2027' } });
    expect(body.data!.riskEvents).toEqual({ totalCount: 0, nodes: [] });
    expect(riskCalls(h.sim)[0].query.filter).toBe('type eq "RISK_NEW_KIND_2027"');
  });

  it.each([
    ['a type that could end its quotes', { type: 'RISK" OR status eq "CLOSED' }, 'filter.type'],
    ['an empty type', { type: '' }, 'filter.type'],
    ['a type with a space', { type: 'RISK RISKY' }, 'filter.type'],
    ['a type of 101 characters', { type: 'R'.repeat(101) }, 'filter.type'],
    ['detectedFrom after detectedTo', { detectedFrom: '2025-12-28T00:00:00Z', detectedTo: '2025-12-20T00:00:00Z' }, 'filter.detectedFrom'],
    ['detectedFrom before 1970', { detectedFrom: '1969-12-31T23:59:59Z' }, 'filter.detectedFrom'],
  ])('refuses %s with BAD_USER_INPUT and no PVWA call', async (_name, filter, argument) => {
    const { body } = await h.gql(LIST, { filter });
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('a filter the PVWA refuses (400) is BAD_USER_INPUT with its status', async () => {
    h.sim.setFault({ kind: 'status', status: 400, body: JSON.stringify({ ErrorCode: 'SIM400E', ErrorMessage: 'The filter is not valid.' }) }, { times: 1 });
    const { body } = await h.gql(LIST, { filter: { status: 'OPEN' } });
    expect(body.errors).toEqual([expect.objectContaining({
      message: 'The filter is not valid.',
      extensions: { code: 'BAD_USER_INPUT', upstreamStatus: 400, pvwaErrorCode: 'SIM400E' },
    })]);
    expect(riskCalls(h.sim)).toHaveLength(1);
  });
});
