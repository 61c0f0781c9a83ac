import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { metric, startHarness, type Harness } from '../support/harness.js';
import { riskCalls } from './support.js';

const UNSUPPORTED = {
  message: 'This PVWA does not offer risk events: they need PVWA 13.2 or later.',
  extensions: { code: 'UNSUPPORTED_BY_PVWA', upstreamStatus: 404 },
};

describe('a PVWA older than 13.2 (no risk API: 404)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { riskApi: { available: false } }, logLevel: 'info' });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearRequests());

  it('answers riskEvents UNSUPPORTED_BY_PVWA after one GET, never retried', async () => {
    const { body } = await h.gql('query Risks { riskEvents(first: 10) { totalCount } }');
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ ...UNSUPPORTED, path: ['riskEvents'] })]);
    expect(riskCalls(h.sim).map((call) => `${call.method} ${call.path}`)).toEqual(['GET /PasswordVault/API/pta/API/Risks/RisksEvents/']);
    expect(h.logs.filter((line) => line.msg === 'graphql request' && line.operationName === 'Risks').map((line) => [line.outcome, line.upstreamCalls])).toEqual([['UNSUPPORTED_BY_PVWA', 1]]);
  });

  it('answers riskSummary UNSUPPORTED_BY_PVWA after one GET', async () => {
    const { body } = await h.gql('{ riskSummary { type } }');
    expect(body.errors).toEqual([expect.objectContaining({ ...UNSUPPORTED, path: ['riskSummary'] })]);
    expect(riskCalls(h.sim).map((call) => `${call.method} ${call.path}`)).toEqual(['GET /PasswordVault/API/pta/API/Risks/Summary/']);
  });

  it('makes no retry storm: 20 requests at once are 20 GETs, and no retry is counted', async () => {
    const retriesBefore = await metric(h, 'pta_gateway_pvwa_retries_total{endpoint="getRiskEvents"}');
    const notFoundBefore = await metric(h, 'pta_gateway_pvwa_requests_total{endpoint="getRiskEvents",status="404"}');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => h.gql(`{ riskEvents(first: ${i + 1}) { totalCount } }`)));
    expect(answers.map((answer) => answer.body.errors![0].extensions!.code)).toEqual(Array(20).fill('UNSUPPORTED_BY_PVWA'));
    expect(riskCalls(h.sim)).toHaveLength(20);
    expect(retriesBefore).toBe(0);
    expect(await metric(h, 'pta_gateway_pvwa_retries_total{endpoint="getRiskEvents"}')).toBe(0);
    expect(await metric(h, 'pta_gateway_pvwa_requests_total{endpoint="getRiskEvents",status="404"}') - notFoundBefore).toBe(20);
  });

  it('keeps a risk event PATCH 404 as NOT_FOUND', async () => {
    const { body } = await h.gql('mutation { updateRiskEventStatus(id: "6414a5e56bbb0b0a063f4444", status: CLOSED) { id } }');
    expect(body.errors).toEqual([expect.objectContaining({
      message: 'The PVWA does not know what was asked for.',
      extensions: { code: 'NOT_FOUND', upstreamStatus: 404 },
    })]);
    expect(riskCalls(h.sim, 'PATCH')).toHaveLength(1);
  });

  it('still serves security events', async () => {
    const { body } = await h.gql('{ securityEvents(first: 1) { totalCount } }');
    expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });
});
