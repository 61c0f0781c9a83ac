import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SessionEndReason } from '../../src/sessions/logon.js';
import { eventsFor } from '../support/events.js';
import { fixture, startHarness, type Harness } from '../support/harness.js';
import { accountCalls, accountsFor } from '../support/vault.js';

const PAGE = `query Page { securityEvents(first: 50) { nodes { id audits { accountId vaultAccount { id name safeName } } } } }`;
const ACCOUNT = `query Account($id: ID!) { vaultAccount(id: $id) {
  id name address userName platformId safeName secretType createdTime platformAccountProperties
  secretManagement { automaticManagementEnabled manualManagementReason status lastModifiedTime lastReconciledTime lastVerifiedTime }
} }`;

type Json = Record<string, any>;
/** The accounts of a page's events, in order. */
const accountsOfPage = (body: Json) => body.data.securityEvents.nodes.map((event: Json) => event.audits[0].vaultAccount);

describe('Vault accounts: Audit.vaultAccount and Query.vaultAccount', () => {
  let h: Harness;
  let clock = 1_800_000_000_000;
  const ended: Array<{ reason: SessionEndReason }> = [];
  beforeAll(async () => {
    h = await startHarness({ env: { PVWA_ACCOUNT_CONCURRENCY: '2' }, now: () => clock, onSessionEnded: (_token, reason) => ended.push({ reason }) });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
    ended.length = 0;
  });

  it('a page of events naming 5 accounts costs one GET per distinct account, at most PVWA_ACCOUNT_CONCURRENCY at once, with the caller token', async () => {
    const token = 'page-token';
    h.sim.setEvents(token, eventsFor('page', 12, { accounts: 5 }));
    h.sim.vault.setAccounts(token, accountsFor('page', 5));
    // Each GET takes 50 ms at the PVWA, so the reads overlap as far as the gateway lets them.
    h.sim.setFault({ kind: 'delay', ms: 50 }, { methods: ['GET'] });
    const { body } = await h.gql(PAGE, {}, { token });
    expect(body.errors).toBeUndefined();
    expect(accountsOfPage(body)).toEqual(Array.from({ length: 12 }, (_, i) => ({ id: `${i % 5}_1`, name: `page-${i % 5}`, safeName: 'page-safe' })));
    const gets = accountCalls(h.sim);
    expect(gets.map((r) => `${r.method} ${r.path}`).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `GET /PasswordVault/API/Accounts/${i}_1`));
    expect(gets.every((r) => r.headers.authorization === token)).toBe(true);
    expect(h.sim.peakInFlight('GET')).toBe(2);
  });

  it('a repeat within ACCOUNT_CACHE_TTL_MS costs no account GET; once it has passed, one per account again', async () => {
    const token = 'repeat-token';
    h.sim.setEvents(token, eventsFor('repeat', 6, { accounts: 3 }));
    h.sim.vault.setAccounts(token, accountsFor('repeat', 3));
    const first = await h.gql(PAGE, {}, { token });
    expect(accountCalls(h.sim)).toHaveLength(3);

    h.sim.clearRequests();
    clock += 30_000 - 1;
    const again = await h.gql(PAGE, {}, { token });
    expect(again.body).toEqual(first.body);
    expect(accountCalls(h.sim)).toHaveLength(0);
    // Query.vaultAccount is served from the same cache.
    expect((await h.gql(ACCOUNT, { id: '1_1' }, { token })).body.data!.vaultAccount.name).toBe('repeat-1');
    expect(accountCalls(h.sim)).toHaveLength(0);

    clock += 1;
    await h.gql(PAGE, {}, { token });
    expect(accountCalls(h.sim)).toHaveLength(3);
  });

  it('two sessions asking at once for the same account ids each see their own accounts, never the other session\'s', async () => {
    const events = eventsFor('shared', 6, { accounts: 3 });
    h.sim.setEvents('alice-token', events);
    h.sim.setEvents('bob-token', events);
    h.sim.vault.setAccounts('alice-token', accountsFor('alice', 3));
    h.sim.vault.setAccounts('bob-token', accountsFor('bob', 2)); // 2_1 is not Bob's to see
    const tokens = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 'alice-token' : 'bob-token'));
    // Twice: the first round reads from the PVWA, the second from the cache.
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all(tokens.map((token) => h.gql(PAGE, {}, { token })));
      answers.forEach(({ body }, i) => {
        const owner = tokens[i] === 'alice-token' ? 'alice' : 'bob';
        const names = accountsOfPage(body).map((account: Json | null) => account?.name ?? null);
        expect(names).toEqual([0, 1, 2, 0, 1, 2].map((n) => (owner === 'bob' && n === 2 ? null : `${owner}-${n}`)));
      });
    }
    // Both sessions read their accounts, each with its own token, and no other token reached the PVWA.
    expect([...new Set(accountCalls(h.sim).map((get) => get.headers.authorization))].sort()).toEqual(['alice-token', 'bob-token']);
  });

  it('maps the documented account: epoch seconds, 0 as never, platformAccountProperties as sent', async () => {
    h.sim.vault.setAccounts('docs-token', [fixture('get-account.docs-composite.json')]);
    h.sim.setEvents('docs-token', []);
    const { body } = await h.gql(ACCOUNT, { id: '46_7' }, { token: 'docs-token' });
    expect(body).toEqual({ data: { vaultAccount: {
      id: '46_7', name: 'Operating System-UnixSSH', address: 'address.com', userName: 'user1', platformId: 'UnixSSH',
      safeName: 'Linux Accounts', secretType: 'password', createdTime: '2020-07-22T15:31:09.000Z',
      platformAccountProperties: { Tags: 'SSH', UseSudoOnReconcile: 'No' },
      secretManagement: {
        automaticManagementEnabled: true, manualManagementReason: 'NoReason', status: 'success',
        lastModifiedTime: '2020-07-22T11:31:09.000Z', lastReconciledTime: '2019-12-12T03:12:21.000Z', lastVerifiedTime: null,
      },
    } } });
  });

  it('an account the PVWA refuses (403) is null with one ACCOUNT_NOT_VISIBLE warning; one it does not know (404) is null; neither is kept, neither ends the session', async () => {
    const token = 'partial-token';
    h.sim.setEvents(token, eventsFor('partial', 6, { accounts: 3 }));
    h.sim.vault.setAccounts(token, accountsFor('partial', 2).slice(0, 1)); // 0_1 only: 1_1 forbidden, 2_1 unknown
    h.sim.vault.forbidAccount(token, '1_1');
    const warning = {
      code: 'ACCOUNT_NOT_VISIBLE',
      message: 'The PVWA refused this session the Vault account 1_1 (no permission on its safe); it is null.',
      accountId: '1_1',
    };
    for (let round = 0; round < 2; round++) {
      h.sim.clearRequests();
      const { body } = await h.gql(PAGE, {}, { token });
      expect(body.errors).toBeUndefined();
      expect(accountsOfPage(body).map((account: Json | null) => account?.name ?? null)).toEqual(['partial-0', null, null, 'partial-0', null, null]);
      expect(body.extensions).toEqual({ warnings: [warning] });
      // The refused and the unknown account are asked again; the visible one was kept.
      expect(accountCalls(h.sim).map((r) => r.path).sort()).toEqual(round === 0
        ? ['/PasswordVault/API/Accounts/0_1', '/PasswordVault/API/Accounts/1_1', '/PasswordVault/API/Accounts/2_1']
        : ['/PasswordVault/API/Accounts/1_1', '/PasswordVault/API/Accounts/2_1']);
    }
    expect(await h.gql(ACCOUNT, { id: '1_1' }, { token })).toMatchObject({ body: { data: { vaultAccount: null }, extensions: { warnings: [warning] } } });
    const unknown = await h.gql(ACCOUNT, { id: '2_1' }, { token });
    expect(unknown.body).toEqual({ data: { vaultAccount: null } });
    expect(ended).toEqual([]);
  });

  it('refuses a malformed id with BAD_USER_INPUT and never calls the PVWA; an audit accountId the URL rules cannot carry is null without a call', async () => {
    for (const id of ['', 'a b', '27_3/../x', '27%33', '..', 'x'.repeat(129)]) {
      const { body } = await h.gql(ACCOUNT, { id });
      expect(body.data).toEqual({ vaultAccount: null });
      expect(body.errors!.map((error) => error.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect(h.sim.requests).toHaveLength(0);

    const events = eventsFor('odd', 1, { accounts: 1 });
    events[0].audits[0].accountId = '27_3?x=1';
    h.sim.setEvents('odd-token', events);
    const { body } = await h.gql(PAGE, {}, { token: 'odd-token' });
    expect(accountsOfPage(body)).toEqual([null]);
    expect(accountCalls(h.sim)).toHaveLength(0);
  });

  it('a session that logs off, or whose token the PVWA refuses, leaves no account behind: the token gets UNAUTHENTICATED, not the cached account', async () => {
    const logon = 'mutation { logon(input: {username: "demo", password: "demo"}) { ... on LogonSuccess { token } } }';
    const accountId = String(h.sim.vault.accountsOf('demo-token')[0].id);
    for (const end of ['logoff', 'refusal'] as const) {
      const token = (await h.gql(logon, {}, { token: null })).body.data!.logon.token as string;
      expect((await h.gql(ACCOUNT, { id: accountId }, { token })).body.data!.vaultAccount.id).toBe(accountId);
      if (end === 'logoff') {
        expect((await h.gql('mutation { logoff }', {}, { token })).body.data).toEqual({ logoff: true });
      } else {
        // The PVWA ends the session; the gateway learns it from the next call it refuses.
        h.sim.revoke(token);
        expect((await h.gql(ACCOUNT, { id: 'other_1' }, { token })).body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      }
      h.sim.clearRequests();
      const after = await h.gql(ACCOUNT, { id: accountId }, { token });
      expect(after.body.data).toEqual({ vaultAccount: null });
      expect(after.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
      expect(accountCalls(h.sim)).toHaveLength(1);
    }
    // Each 401 after the end is a refusal of its own (it finds nothing left to drop).
    expect(ended.map((e) => e.reason)).toEqual(['logoff', 'rejected', 'rejected', 'rejected']);
  });
});
