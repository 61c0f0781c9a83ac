import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SessionEndReason } from '../../src/sessions/logon.js';
import { fixture, metric, metricsText, startHarness, type Harness } from '../support/harness.js';
import { accountCalls, accountsFor, liveSession, liveSessionCalls } from '../support/vault.js';

const CREDENTIALS = `mutation Credentials($accountId: ID!, $action: CredentialsAction!, $changeEntireGroup: Boolean) {
  requestCredentialsAction(accountId: $accountId, action: $action, changeEntireGroup: $changeEntireGroup) { accountId action requestedAt }
}`;
const CONTROL = `mutation Control($sessionId: ID!, $action: LiveSessionAction!) {
  controlLiveSession(sessionId: $sessionId, action: $action) { sessionId action requestedAt }
}`;
const STATUS = 'query Status($id: ID!) { vaultAccount(id: $id) { id secretManagement { status } } }';

const TOKEN = 'actions-token';
const CLOCK = Date.UTC(2026, 2, 1, 9, 30);
const REQUESTED_AT = '2026-03-01T09:30:00.000Z';
const GUID = '4b0d5c1e-8f2a-4c3b-9d6e-1a2b3c4d5e6f';

describe('requestCredentialsAction and controlLiveSession', () => {
  let h: Harness;
  const ended: SessionEndReason[] = [];
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'info', now: () => CLOCK, onSessionEnded: (_token, reason) => ended.push(reason) });
    h.sim.setEvents(TOKEN, []);
    h.sim.vault.setAccounts(TOKEN, [...accountsFor('acts', 3), { ...accountsFor('dots', 1)[0], id: 'v1.2' }]);
    h.sim.vault.setLiveSessions(TOKEN, [
      liveSession('29_138', GUID),
      liveSession('29_139', 'c0ffee00-0000-4000-8000-000000000139', { CanTerminate: false, CanSuspend: false }),
      liveSession('29_140', 'c0ffee00-0000-4000-8000-000000000140'),
    ]);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  describe('each action is exactly one PVWA call, with the caller token, and says what was asked and when', () => {
    it.each([
      ['CHANGE', undefined, '/PasswordVault/API/Accounts/1_1/Change', '{"ChangeEntireGroup":false}'],
      ['CHANGE', true, '/PasswordVault/API/Accounts/1_1/Change', '{"ChangeEntireGroup":true}'],
      ['VERIFY', false, '/PasswordVault/API/Accounts/1_1/Verify', ''],
      ['RECONCILE', undefined, '/PasswordVault/API/Accounts/1_1/Reconcile', ''],
    ])('%s (changeEntireGroup %s): POST %s with %j', async (action, changeEntireGroup, path, body) => {
      const answer = await h.gql(CREDENTIALS, { accountId: '1_1', action, changeEntireGroup }, { token: TOKEN });
      expect(answer.body).toEqual({ data: { requestCredentialsAction: { accountId: '1_1', action, requestedAt: REQUESTED_AT } } });
      expect(h.sim.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, authorization: r.headers.authorization, type: r.headers['content-type'] })))
        .toEqual([{ method: 'POST', path, body, authorization: TOKEN, type: 'application/json' }]);
    });

    it.each([
      ['TERMINATE', '29_140', '/PasswordVault/API/LiveSessions/29_140/Terminate'],
      ['SUSPEND', '29_138', '/PasswordVault/API/LiveSessions/29_138/Suspend'],
      ['RESUME', GUID, `/PasswordVault/API/LiveSessions/${GUID}/Resume`],
    ])('%s %s: POST %s without a body', async (action, sessionId, path) => {
      const answer = await h.gql(CONTROL, { sessionId, action }, { token: TOKEN });
      expect(answer.body).toEqual({ data: { controlLiveSession: { sessionId, action, requestedAt: REQUESTED_AT } } });
      expect(h.sim.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, authorization: r.headers.authorization, type: r.headers['content-type'] })))
        .toEqual([{ method: 'POST', path, body: '', authorization: TOKEN, type: undefined }]);
    });

    it('gives an id with a dot the trailing slash the PVWA URL rules require, after the action', async () => {
      const answer = await h.gql(CREDENTIALS, { accountId: 'v1.2', action: 'VERIFY' }, { token: TOKEN });
      expect(answer.body.errors).toBeUndefined();
      expect(accountCalls(h.sim).map((r) => r.path)).toEqual(['/PasswordVault/API/Accounts/v1.2/Verify/']);
    });
  });

  it('drops the session\'s cached copy of the account it acted on, and keeps none while the CPM works: each read shows the CPM at work', async () => {
    expect((await h.gql(STATUS, { id: '2_1' }, { token: TOKEN })).body.data!.vaultAccount.secretManagement).toEqual({ status: 'success' });
    await h.gql(CREDENTIALS, { accountId: '2_1', action: 'RECONCILE' }, { token: TOKEN });
    expect((await h.gql(STATUS, { id: '2_1' }, { token: TOKEN })).body.data!.vaultAccount.secretManagement).toEqual({ status: 'inProcess' });
    expect((await h.gql(STATUS, { id: '2_1' }, { token: TOKEN })).body.data!.vaultAccount.secretManagement).toEqual({ status: 'inProcess' });
    expect(accountCalls(h.sim).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /PasswordVault/API/Accounts/2_1', 'POST /PasswordVault/API/Accounts/2_1/Reconcile', 'GET /PasswordVault/API/Accounts/2_1', 'GET /PasswordVault/API/Accounts/2_1',
    ]);
  });

  describe('is never retried', () => {
    it.each([
      ['a 503', { kind: 'status', status: 503 } as const, { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, pvwaErrorCode: 'SIMFAULT' }],
      ['a reset connection', { kind: 'reset' } as const, { code: 'UPSTREAM_UNAVAILABLE' }],
    ])('%s to a POST is the answer: one call, and the code says what happened', async (_name, fault, extensions) => {
      const retriesBefore = await metric(h, 'pta_gateway_pvwa_retries_total{endpoint="credentialsAction"}');
      h.sim.setFault(fault, { methods: ['POST'] });
      const credentials = await h.gql(CREDENTIALS, { accountId: '0_1', action: 'CHANGE' }, { token: TOKEN });
      const control = await h.gql(CONTROL, { sessionId: '29_138', action: 'SUSPEND' }, { token: TOKEN });
      for (const { body } of [credentials, control]) {
        expect(body.data).toBeNull();
        expect(body.errors!.map((error) => error.extensions)).toEqual([extensions]);
      }
      expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /PasswordVault/API/Accounts/0_1/Change', 'POST /PasswordVault/API/LiveSessions/29_138/Suspend',
      ]);
      expect(await metric(h, 'pta_gateway_pvwa_retries_total{endpoint="credentialsAction"}')).toBe(retriesBefore);
      expect(await metric(h, 'pta_gateway_pvwa_retries_total{endpoint="liveSessionAction"}')).toBe(0);
    });
  });

  it('an HTML page answered 200 instead of the PVWA\'s empty body is UPSTREAM_ERROR: the action may not have reached the PVWA', async () => {
    h.sim.setFault({ kind: 'html' }, { methods: ['POST'], times: 1 });
    const { body } = await h.gql(CREDENTIALS, { accountId: '0_1', action: 'CHANGE' }, { token: TOKEN });
    expect(body.errors!.map(({ message, extensions }) => ({ message, extensions }))).toEqual([
      { message: 'The PVWA answered with a body that is not JSON.', extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 200 } },
    ]);
    expect(h.sim.requests).toHaveLength(1);
  });

  it('a PSM session the caller may not terminate is FORBIDDEN with the PVWA\'s code, and ends nothing of the session', async () => {
    const refusal = fixture<{ ErrorCode: string; ErrorMessage: string }>('error-PASWS041E.real.json');
    const { body } = await h.gql(CONTROL, { sessionId: '29_139', action: 'TERMINATE' }, { token: TOKEN });
    expect(body).toEqual({
      data: null,
      errors: [{ message: refusal.ErrorMessage, locations: [{ line: 2, column: 3 }], path: ['controlLiveSession'], extensions: { code: 'FORBIDDEN', upstreamStatus: 403, pvwaErrorCode: refusal.ErrorCode } }],
    });
    expect(liveSessionCalls(h.sim).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /PasswordVault/API/LiveSessions/29_139/Terminate']);
    expect(ended).toEqual([]);
  });

  it('a locked password keeps the PVWA\'s code: BAD_USER_INPUT, 400, PASWS143E', async () => {
    const locked = fixture<{ ErrorCode: string; ErrorMessage: string }>('error-PASWS143E.rebuilt.json');
    h.sim.vault.lockAccount(TOKEN, '0_1');
    const { body } = await h.gql(CREDENTIALS, { accountId: '0_1', action: 'VERIFY' }, { token: TOKEN });
    expect(body.errors!.map(({ message, extensions }) => ({ message, extensions }))).toEqual([
      { message: locked.ErrorMessage, extensions: { code: 'BAD_USER_INPUT', upstreamStatus: 400, pvwaErrorCode: locked.ErrorCode } },
    ]);
  });

  it('an action on an account or session the PVWA does not know is NOT_FOUND', async () => {
    const account = await h.gql(CREDENTIALS, { accountId: '99_9', action: 'VERIFY' }, { token: TOKEN });
    const session = await h.gql(CONTROL, { sessionId: '99_9', action: 'TERMINATE' }, { token: TOKEN });
    expect([account, session].map(({ body }) => body.errors![0].extensions)).toEqual([
      { code: 'NOT_FOUND', upstreamStatus: 404, pvwaErrorCode: 'SIM404E' }, { code: 'NOT_FOUND', upstreamStatus: 404, pvwaErrorCode: 'SIM404E' },
    ]);
  });

  describe('refuses bad input with BAD_USER_INPUT and never calls the PVWA', () => {
    it.each([
      ['an account id with a space', CREDENTIALS, { accountId: '1 1', action: 'CHANGE' }, 'accountId'],
      ['an account id with a slash', CREDENTIALS, { accountId: '1_1/Change', action: 'VERIFY' }, 'accountId'],
      ['an empty account id', CREDENTIALS, { accountId: '', action: 'VERIFY' }, 'accountId'],
      ['changeEntireGroup with VERIFY', CREDENTIALS, { accountId: '1_1', action: 'VERIFY', changeEntireGroup: true }, 'changeEntireGroup'],
      ['changeEntireGroup with RECONCILE', CREDENTIALS, { accountId: '1_1', action: 'RECONCILE', changeEntireGroup: true }, 'changeEntireGroup'],
      ['a session id of ".."', CONTROL, { sessionId: '..', action: 'TERMINATE' }, 'sessionId'],
      ['a session id with a query', CONTROL, { sessionId: '29_138?x', action: 'TERMINATE' }, 'sessionId'],
      ['a session id of 129 characters', CONTROL, { sessionId: 'x'.repeat(129), action: 'SUSPEND' }, 'sessionId'],
    ])('%s', async (_name, query, variables, argument) => {
      const { body } = await h.gql(query, variables, { token: TOKEN });
      expect(body.data).toBeNull();
      expect(body.errors!.map((error) => error.extensions)).toEqual([{ argument, code: 'BAD_USER_INPUT' }]);
      expect(h.sim.requests).toHaveLength(0);
    });

    it('answers UNAUTHENTICATED without a call when there is no session', async () => {
      const answers = [await h.gql(CREDENTIALS, { accountId: '1_1', action: 'CHANGE' }, { token: null }), await h.gql(CONTROL, { sessionId: '29_138', action: 'TERMINATE' }, { token: null })];
      expect(answers.map(({ body }) => body.errors![0].extensions)).toEqual([{ code: 'UNAUTHENTICATED' }, { code: 'UNAUTHENTICATED' }]);
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  it('logs each action sent at info (action, target, outcome, request id; never the token) and counts it by action and outcome', async () => {
    const token = 'count-token-7f3a';
    h.sim.setEvents(token, []);
    h.sim.vault.setAccounts(token, accountsFor('count', 1));
    h.sim.vault.setLiveSessions(token, [liveSession('30_1', 'c0ffee00-0000-4000-8000-000000000301', { CanTerminate: false })]);
    const before = await metricsText(h);
    const counter = (text: string, labels: string) => Number(text.split('\n').find((line) => line.startsWith(`pta_gateway_pvwa_actions_total{${labels}} `))?.split(' ')[1] ?? 0);
    const send = (query: string, variables: Record<string, unknown>, requestId: string) => h.gql(query, variables, { token, headers: { 'x-request-id': requestId } });
    await send(CREDENTIALS, { accountId: '0_1', action: 'CHANGE' }, 'act-1');
    await send(CREDENTIALS, { accountId: '0_1', action: 'CHANGE' }, 'act-2');
    await send(CONTROL, { sessionId: '30_1', action: 'TERMINATE' }, 'act-3');
    await send(CONTROL, { sessionId: 'a b', action: 'TERMINATE' }, 'act-4'); // refused before any call: no action

    const lines = h.logs.filter((line) => line.msg === 'pvwa action').map(({ time: _time, ...line }) => line);
    expect(lines.filter((line) => String(line.requestId).startsWith('act-'))).toEqual([
      { level: 'info', requestId: 'act-1', action: 'CHANGE', accountId: '0_1', outcome: 'OK', msg: 'pvwa action' },
      { level: 'info', requestId: 'act-2', action: 'CHANGE', accountId: '0_1', outcome: 'OK', msg: 'pvwa action' },
      { level: 'info', requestId: 'act-3', action: 'TERMINATE', sessionId: '30_1', outcome: 'FORBIDDEN', upstreamStatus: 403, pvwaErrorCode: 'PASWS041E', msg: 'pvwa action' },
    ]);
    const after = await metricsText(h);
    expect(counter(after, 'action="CHANGE",outcome="OK"') - counter(before, 'action="CHANGE",outcome="OK"')).toBe(2);
    expect(counter(after, 'action="TERMINATE",outcome="FORBIDDEN"') - counter(before, 'action="TERMINATE",outcome="FORBIDDEN"')).toBe(1);
    expect(counter(after, 'action="TERMINATE",outcome="OK"') - counter(before, 'action="TERMINATE",outcome="OK"')).toBe(0);
    expect(h.logText()).not.toContain(token);
    expect(after).not.toContain(token);
  });
});
