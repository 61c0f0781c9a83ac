import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';

describe('tokens never reach the logs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'trace', env: { PVWA_TIMEOUT_MS: '300' } });
  });
  afterAll(() => h.close());

  it('finds none of the tokens of a run in any log line, at the most verbose level', async () => {
    const logon = await fetch(`${h.sim.url}/API/auth/Cyberark/Logon`, { method: 'POST', body: JSON.stringify({ username: 'demo', password: 'demo' }) });
    const sessionToken = (await logon.json()) as string;
    const tokens = [sessionToken, 'tenant-secret-7f3a9c', 'expired-token-0b1e44', 'echoed-token-c0ffee'];
    h.sim.setEvents('tenant-secret-7f3a9c', [{ id: 'e1', type: 'T', score: 1, createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN' }, { type: 'broken' }]);
    const id = String(h.sim.eventsOf()[0].id);
    const list = '{ securityEvents { totalCount } }';
    const close = `mutation { updateEventStatus(id: "${id}", status: CLOSED) { id } }`;
    // Responding: the Vault reads (accounts, live sessions, the user) and an action, logged at info.
    const respond = '{ me { userName } securityEvents { nodes { audits { vaultAccount { id } } additionalData { liveSessions { id } } } } }';
    const rotate = `mutation { requestCredentialsAction(accountId: "${String(h.sim.vault.accountsOf('demo-token')[0].id)}", action: VERIFY) { accountId } }`;
    h.sim.vault.forbidAccount(sessionToken, String(h.sim.vault.accountsOf('demo-token')[1].id));

    await h.gql(list, {}, { token: sessionToken });
    await h.gql(close, {}, { token: `Bearer ${sessionToken}` });
    await h.gql(list, {}, { token: 'tenant-secret-7f3a9c' });
    await h.gql(list, {}, { token: 'expired-token-0b1e44' });
    await h.gql(respond, {}, { token: sessionToken });
    await h.gql(rotate, {}, { token: sessionToken });
    await h.gql(rotate, {}, { token: 'expired-token-0b1e44' });
    h.sim.setFault({ kind: 'status', status: 500, body: JSON.stringify({ ErrorCode: 'X1', ErrorMessage: 'bad token echoed-token-c0ffee' }) });
    const echoed = await h.gql(close, {}, { token: 'echoed-token-c0ffee' });
    // A message with the caller's token in it is not patched: the gateway's own message replaces it.
    expect(echoed.body.errors![0].message).toBe('The PVWA answered with HTTP 500.');
    for (const fault of [{ kind: 'reset' }, { kind: 'delay', ms: 1000 }, { kind: 'html' }, { kind: 'status', status: 503 }] as const) {
      h.sim.setFault(fault);
      await h.gql(list, {}, { token: sessionToken });
      await h.gql(close, {}, { token: sessionToken });
      await h.gql(rotate, {}, { token: sessionToken });
    }
    h.sim.clearFault();

    const text = h.logText();
    // The run was logged, verbosely: one line per upstream call at least.
    expect(h.logs.filter((line) => line.msg === 'pvwa call').length).toBeGreaterThanOrEqual(10);
    expect(text).toContain('PVWA event left out');
    expect(h.logs.filter((line) => line.msg === 'pvwa action').map((line) => line.outcome)).toEqual(['OK', 'UNAUTHENTICATED', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE']);
    expect(text).toContain('the PVWA refused this session a Vault object');
    for (const token of tokens) expect(text).not.toContain(token);
  });
});
