import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';
import { RISK_FIELDS, riskCalls } from './support.js';

const UPDATE = `mutation Update($id: ID!, $status: EventStatus!, $closeReason: CloseReason, $reasonText: String) {
  updateRiskEventStatus(id: $id, status: $status, closeReason: $closeReason, reasonText: $reasonText) { ${RISK_FIELDS} }
}`;

describe('updateRiskEventStatus', () => {
  let h: Harness;
  let openId: string;
  beforeAll(async () => {
    h = await startHarness();
    openId = String(h.sim.risksOf().find((risk) => risk.status === 'OPEN')!.id);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('sends PATCH Risks/RisksEvents/{id} with {"status", "closeReason", "reasonText"} (NOT_REAL as NOTREAL) and the raw token, and answers the updated risk event', async () => {
    const before = structuredClone(h.sim.risksOf().find((risk) => risk.id === openId)!);
    const { body } = await h.gql(UPDATE, { id: openId, status: 'CLOSED', closeReason: 'NOT_REAL', reasonText: 'Known SPN of the SQL farm' }, { token: 'Bearer demo-token' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateRiskEventStatus).toEqual({
      id: openId,
      type: before.type,
      score: before.score,
      status: 'CLOSED',
      detectionTime: new Date(Number(before.detectionTime)).toISOString(),
      closeReason: 'NOT_REAL',
      reasonText: 'Known SPN of the SQL farm',
      account: before.riskAccount,
      service: before.riskService ?? {},
    });
    const calls = riskCalls(h.sim);
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe('PATCH');
    expect(calls[0].path).toBe(`/PasswordVault/API/pta/API/Risks/RisksEvents/${openId}`);
    expect(calls[0].search).toBe('');
    expect(calls[0].body).toBe('{"status":"CLOSED","closeReason":"NOTREAL","reasonText":"Known SPN of the SQL farm"}');
    expect(calls[0].headers.authorization).toBe('demo-token');
    expect(calls[0].headers['content-type']).toBe('application/json');
  });

  it('sends only what is given, and the next read shows the change', async () => {
    await h.gql(UPDATE, { id: openId, status: 'CLOSED', closeReason: 'HANDLED' });
    await h.gql(UPDATE, { id: openId, status: 'CLOSED' });
    const reopened = await h.gql(UPDATE, { id: openId, status: 'OPEN' });
    expect(riskCalls(h.sim).map((call) => call.body)).toEqual([
      '{"status":"CLOSED","closeReason":"HANDLED"}',
      '{"status":"CLOSED"}',
      '{"status":"OPEN"}',
    ]);
    expect(reopened.body.data!.updateRiskEventStatus).toMatchObject({ status: 'OPEN', closeReason: null, reasonText: null });
    const list = await h.gql('{ riskEvents(first: 500) { nodes { id status } } }');
    expect(list.body.data!.riskEvents.nodes.find((node: { id: string }) => node.id === openId)).toEqual({ id: openId, status: 'OPEN' });
  });

  it('gives an id with a dot the trailing slash the PVWA URL rules require', async () => {
    h.sim.setRisks('dots', [{ id: 'r1.6414', type: 'RISK_RISKY_SPN', status: 'OPEN', detectionTime: 1_700_000_000_000, score: 70 }]);
    const { body } = await h.gql(UPDATE, { id: 'r1.6414', status: 'CLOSED' }, { token: 'dots' });
    expect(body.data!.updateRiskEventStatus).toMatchObject({ id: 'r1.6414', status: 'CLOSED', account: {}, service: {} });
    expect(riskCalls(h.sim)[0].path).toBe('/PasswordVault/API/pta/API/Risks/RisksEvents/r1.6414/');
  });

  it('answers NOT_FOUND, with the PVWA message, for an id the PVWA does not know', async () => {
    const { body } = await h.gql(UPDATE, { id: '000000000000000000000000', status: 'CLOSED' });
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({
      message: 'Risk event 000000000000000000000000 was not found.',
      extensions: { code: 'NOT_FOUND', upstreamStatus: 404, pvwaErrorCode: 'SIM404E' },
    })]);
    expect(riskCalls(h.sim)).toHaveLength(1);
  });

  it('retries the PATCH once after a 503, as a security event PATCH', async () => {
    h.sim.setFault({ kind: 'status', status: 503 }, { times: 1, methods: ['PATCH'] });
    const { body } = await h.gql(UPDATE, { id: openId, status: 'OPEN' });
    expect(body.errors).toBeUndefined();
    expect(riskCalls(h.sim, 'PATCH')).toHaveLength(2);
  });

  it('answers UPSTREAM_ERROR when the PVWA answers the PATCH with something that is not a risk event', async () => {
    h.sim.setFault({ kind: 'status', status: 200, body: '{"ok":true}' }, { times: 1 });
    const { body } = await h.gql(UPDATE, { id: openId, status: 'OPEN' });
    expect(body.errors).toEqual([expect.objectContaining({ message: 'The PVWA did not answer with a risk event.', extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 200 } })]);
  });

  describe('refuses bad input with BAD_USER_INPUT and never calls the PVWA', () => {
    it.each([
      ['an empty id', { id: '', status: 'OPEN' }, 'id'],
      ['an id of 129 characters', { id: 'a'.repeat(129), status: 'OPEN' }, 'id'],
      ['an id with a space', { id: 'a b', status: 'OPEN' }, 'id'],
      ...['+', '&', '%', '/', '\\', '?', '#'].map((c) => [`an id with ${c}`, { id: `6414${c}95ce`, status: 'OPEN' }, 'id'] as const),
      ['the id ".."', { id: '..', status: 'OPEN' }, 'id'],
      ['reasonText of 101 characters', { id: 'abc', status: 'CLOSED', reasonText: 'x'.repeat(101) }, 'reasonText'],
      ['closeReason with OPEN', { id: 'abc', status: 'OPEN', closeReason: 'HANDLED' }, 'closeReason'],
      ['reasonText with OPEN', { id: 'abc', status: 'OPEN', reasonText: 'why' }, 'reasonText'],
    ])('%s', async (_name, variables, argument) => {
      const { body } = await h.gql(UPDATE, variables);
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
      expect(h.sim.requests).toHaveLength(0);
    });

    it('accepts reasonText of exactly 100 characters', async () => {
      const { body } = await h.gql(UPDATE, { id: openId, status: 'CLOSED', reasonText: 'r'.repeat(100) });
      expect(body.data!.updateRiskEventStatus.reasonText).toBe('r'.repeat(100));
    });
  });
});
