import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDemoRisks } from '../../src/simulator/risk-data.js';
import { parseRiskFilter } from '../../src/simulator/risks.js';
import { DEMO_TOKEN, startSimulator, type Simulator } from '../../src/simulator/server.js';
import { riskEventProblem } from '../../src/pvwa/risks.js';

describe("the simulator's risk API", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  const get = (path: string, token = DEMO_TOKEN) => fetch(`${sim.url}${path}`, { headers: { authorization: token } });

  it('serves 130 deterministic demo risk events of both known types, in the shapes the gateway checks', () => {
    const risks = createDemoRisks();
    expect(createDemoRisks()).toEqual(risks);
    expect(risks).toHaveLength(130);
    expect(new Set(risks.map((r) => r.id)).size).toBe(130);
    expect(risks.every((r) => riskEventProblem(r) === null && /^[0-9a-f]{24}$/.test(String(r.id)))).toBe(true);
    expect(new Set(risks.map((r) => r.type))).toEqual(new Set(['RISK_RISKY_SPN', 'RISK_UNCONSTRAINED_DELEGATION']));
    expect(new Set(risks.map((r) => r.status))).toEqual(new Set(['OPEN', 'CLOSED']));
    expect(risks.some((r) => r.riskService === undefined) && risks.some((r) => r.closeReason !== undefined)).toBe(true);
  });

  it('answers a page in the envelope psPAS reads: entities, totalEntities, totalPages, and the echoes', async () => {
    const response = await get('/api/PTA/api/risks/RisksEvents?sort=score&page=1&size=50&filter=status%20eq%20%22OPEN%22');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    const open = sim.risksOf().filter((r) => r.status === 'OPEN').length;
    expect(body).toMatchObject({ totalEntities: open, totalPages: Math.ceil(open / 50), page: 1, size: 50, filter: 'status eq "OPEN"', sort: 'score' });
    expect(body.entities).toHaveLength(open - 50);
  });

  it('reads the filter grammar in any order and case, quoted or not', () => {
    const risk = { type: 'RISK_RISKY_SPN', status: 'OPEN', detectionTime: 1_000 };
    for (const expression of [
      'status eq "OPEN" AND type eq "RISK_RISKY_SPN"',
      'type eq RISK_RISKY_SPN and status EQ open',
      'detectionTime BETWEEN "1000" TO "1000"',
      'detectiontime between 999 to 1001 AND detectionTime gte "1000" AND detectionTime lte "1000"',
    ]) {
      const keep = parseRiskFilter(expression);
      expect(typeof keep === 'function' && keep(risk)).toBe(true);
    }
    const miss = parseRiskFilter('detectionTime gte "1001"');
    expect(typeof miss === 'function' && miss(risk)).toBe(false);
    for (const bad of ['type = "X"', 'status eq "SHUT"', 'detectionTime BETWEEN "1"', 'score gt "5"', 'type eq "X" OR status eq "OPEN"']) {
      expect(parseRiskFilter(bad)).toBe(`The filter clause '${bad.split(/\s+AND\s+/i)[0]}' is not valid.`);
    }
  });

  it('refuses size over 1000, a negative page, an unknown sort and a broken filter with 400', async () => {
    for (const search of ['size=1001', 'size=0', 'page=-1', 'sort=riskType', 'filter=type%20like%20%22X%22']) {
      expect((await get(`/API/pta/API/Risks/RisksEvents/?${search}`)).status).toBe(400);
    }
  });

  it('answers 404 on every risk route as a PVWA older than 13.2, 401 to an unknown token first', async () => {
    sim.configureRisks({ available: false });
    try {
      expect((await get('/API/pta/API/Risks/RisksEvents/')).status).toBe(404);
      expect((await get('/API/pta/API/Risks/Summary/')).status).toBe(404);
      const patch = await fetch(`${sim.url}/API/pta/API/Risks/RisksEvents/x`, { method: 'PATCH', headers: { authorization: DEMO_TOKEN }, body: '{"status":"OPEN"}' });
      expect(patch.status).toBe(404);
      expect((await get('/API/pta/API/Risks/Summary/', 'nope')).status).toBe(401);
    } finally {
      sim.configureRisks({ available: true });
    }
  });

  it('refuses a PATCH body with mStatus, or closeReason with OPEN, with 400', async () => {
    const id = String(sim.risksOf()[0].id);
    for (const body of ['{"mStatus":"CLOSED"}', '{"status":"OPEN","closeReason":"HANDLED"}', '{"status":"CLOSED","closeReason":"NOT_REAL"}', 'nope']) {
      const response = await fetch(`${sim.url}/API/pta/API/Risks/RisksEvents/${id}`, { method: 'PATCH', headers: { authorization: DEMO_TOKEN }, body });
      expect(response.status).toBe(400);
    }
  });
});
