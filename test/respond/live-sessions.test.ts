import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { eventsFor } from '../support/events.js';
import { fixture, startHarness, type Harness } from '../support/harness.js';
import { liveSession, liveSessionCalls } from '../support/vault.js';

const LIVE = `query Live($id: ID!) { securityEvent(id: $id) { id additionalData { sessionIds liveSessions {
  id guid user accountUserName accountAddress remoteMachine fromIp protocol client startTime canTerminate canSuspend canMonitor
} } } }`;
const ME = 'query Me { me { userName firstName lastName email source userTypeName suspended disabled expired } }';

type Json = Record<string, any>;
const LIVE_GUID = '4b0d5c1e-8f2a-4c3b-9d6e-1a2b3c4d5e6f';
const ENDED_GUID = 'c0ffee00-0000-4000-8000-00000000dead';
const RECORDED_GUID = 'c0ffee00-0000-4000-8000-00000000face';

/** One PSM event of `token` naming these sessions; its id. */
function psmEvent(h: Harness, token: string, sessionIDs: string[]): string {
  const [event] = eventsFor(token, 1, { types: ['PSMSuspiciousActivity'] });
  event.additionalData = { sessionIsLive: 'true', sessionIDs };
  h.sim.setEvents(token, [event]);
  return String(event.id);
}

describe('EventAdditionalData.liveSessions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LIVE_POLL_INTERVAL_MS: '100' } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('reads each distinct session id once and keeps those live: an ended one (404) or one no longer live is left out', async () => {
    const token = 'live-token';
    const documented = fixture<{ LiveSessions: Json[] }>('get-live-session.docs-composite.json').LiveSessions[0];
    h.sim.vault.setLiveSessions(token, [documented, liveSession('29_150', RECORDED_GUID, { IsLive: false })]);
    const id = psmEvent(h, token, [LIVE_GUID, ENDED_GUID, LIVE_GUID, RECORDED_GUID, 'not a/session']);
    const { body } = await h.gql(LIVE, { id }, { token });
    expect(body).toEqual({ data: { securityEvent: { id, additionalData: {
      sessionIds: [LIVE_GUID, ENDED_GUID, LIVE_GUID, RECORDED_GUID, 'not a/session'],
      liveSessions: [{
        id: '29_138', guid: LIVE_GUID, user: 'jdoe', accountUserName: 'root', accountAddress: '10.0.0.15', remoteMachine: '10.0.0.15',
        fromIp: '10.0.1.20', protocol: 'SSH', client: 'PSM', startTime: '2020-07-22T11:31:09.000Z', canTerminate: true, canSuspend: true, canMonitor: true,
      }],
    } } } });
    expect(liveSessionCalls(h.sim).map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([
      `GET /PasswordVault/API/LiveSessions/${LIVE_GUID} ${token}`,
      `GET /PasswordVault/API/LiveSessions/${ENDED_GUID} ${token}`,
      `GET /PasswordVault/API/LiveSessions/${RECORDED_GUID} ${token}`,
    ]);
  });

  it('shows what the caller may not do, and leaves out a session once it is terminated', async () => {
    const token = 'terminate-token';
    h.sim.vault.setLiveSessions(token, [liveSession('31_1', LIVE_GUID), liveSession('31_2', RECORDED_GUID, { CanTerminate: false, CanSuspend: false, CanMonitor: 'yes' })]);
    const id = psmEvent(h, token, [LIVE_GUID, RECORDED_GUID]);
    const flags = async () => (await h.gql(LIVE, { id }, { token })).body.data!.securityEvent.additionalData.liveSessions
      .map((s: Json) => ({ id: s.id, canTerminate: s.canTerminate, canSuspend: s.canSuspend, canMonitor: s.canMonitor }));
    expect(await flags()).toEqual([
      { id: '31_1', canTerminate: true, canSuspend: true, canMonitor: true },
      { id: '31_2', canTerminate: false, canSuspend: false, canMonitor: false },
    ]);
    const terminated = await h.gql('mutation { controlLiveSession(sessionId: "31_1", action: TERMINATE) { sessionId } }', {}, { token });
    expect(terminated.body.data).toEqual({ controlLiveSession: { sessionId: '31_1' } });
    expect(await flags()).toEqual([{ id: '31_2', canTerminate: false, canSuspend: false, canMonitor: false }]);
  });

  it('in a subscription, each pushed change reads its live sessions afresh', async () => {
    const token = 'subscribed-token';
    h.sim.vault.setLiveSessions(token, [liveSession('32_1', LIVE_GUID)]);
    const id = psmEvent(h, token, [LIVE_GUID]);
    const client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: token }, retryAttempts: 0 });
    const changes = client.iterate({ query: 'subscription { securityEventChanged { kind event { id score additionalData { liveSessions { id } } } } }' })[Symbol.asyncIterator]();
    const next = async () => ((await changes.next()).value as Json).data.securityEventChanged;
    try {
      const polls = () => h.sim.requests.filter((r) => String(r.headers['x-request-id']).startsWith('live-')).length;
      // The watch polls once the subscription is registered; a change after that is pushed.
      await h.sim.received(polls() + 1, (r) => String(r.headers['x-request-id']).startsWith('live-'));
      h.sim.changeEvent(token, id, { score: 91 });
      expect(await next()).toEqual({ kind: 'UPDATED', event: { id, score: 91, additionalData: { liveSessions: [{ id: '32_1' }] } } });
      expect((await h.gql('mutation { controlLiveSession(sessionId: "32_1", action: TERMINATE) { sessionId } }', {}, { token })).body.errors).toBeUndefined();
      h.sim.changeEvent(token, id, { score: 92 });
      expect(await next()).toEqual({ kind: 'UPDATED', event: { id, score: 92, additionalData: { liveSessions: [] } } });
      expect(liveSessionCalls(h.sim, 'GET')).toHaveLength(2);
    } finally {
      await changes.return?.();
      await client.dispose();
    }
  });

  it('an event without session ids costs no live-session read', async () => {
    h.sim.setEvents('quiet-token', eventsFor('quiet', 1));
    const { body } = await h.gql('{ securityEvents { nodes { additionalData { liveSessions { id } } } } }', {}, { token: 'quiet-token' });
    expect(body).toEqual({ data: { securityEvents: { nodes: [{ additionalData: { liveSessions: [] } }] } } });
    expect(liveSessionCalls(h.sim)).toHaveLength(0);
  });

  it('a live-session read that fails for another reason is the field\'s error, with its code', async () => {
    const id = psmEvent(h, 'failing-token', [LIVE_GUID]);
    h.sim.setFault({ kind: 'status', status: 500 }, { path: /livesessions/i });
    const { body } = await h.gql(LIVE, { id }, { token: 'failing-token' });
    // liveSessions is non-null, and so is additionalData: the error nulls the event.
    expect(body.data).toEqual({ securityEvent: null });
    expect(body.errors!.map((error) => ({ path: error.path, extensions: error.extensions }))).toEqual([
      { path: ['securityEvent', 'additionalData', 'liveSessions'], extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, pvwaErrorCode: 'SIMFAULT' } },
    ]);
  });
});

describe('Query.me', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('is the user the session belongs to, from GET /WebServices/PIMServices.svc/User with the caller token', async () => {
    const logon = await h.gql('mutation { logon(input: {username: "demo", password: "demo"}) { ... on LogonSuccess { token } } }', {}, { token: null });
    const token = logon.body.data!.logon.token as string;
    h.sim.clearRequests();
    const { body } = await h.gql(ME, {}, { token });
    expect(body).toEqual({ data: { me: {
      userName: 'demo', firstName: 'Dana', lastName: 'Demo', email: 'dana.demo@cybr.com', source: 'Internal', userTypeName: 'EPVUser',
      suspended: false, disabled: false, expired: false,
    } } });
    expect(h.sim.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization === token}`)).toEqual(['GET /PasswordVault/WebServices/PIMServices.svc/User true']);
  });

  it('is read once however often a request asks for it', async () => {
    h.sim.clearRequests();
    const { body } = await h.gql('{ a: me { userName } b: me { firstName } }');
    expect(body).toEqual({ data: { a: { userName: 'demo' }, b: { firstName: 'Dana' } } });
    expect(h.sim.requests).toHaveLength(1);
  });

  it('maps the documented answer', async () => {
    h.sim.clearRequests();
    h.sim.setFault({ kind: 'status', status: 200, body: JSON.stringify(fixture('get-logged-on-user.docs-composite.json')) }, { times: 1 });
    const { body } = await h.gql(ME);
    expect(body).toEqual({ data: { me: {
      userName: 'jdoe', firstName: 'John', lastName: 'Doe', email: 'jdoe@example.com', source: 'LDAP', userTypeName: 'EPVUser',
      suspended: false, disabled: false, expired: false,
    } } });
  });

  it('is UNAUTHENTICATED without a session, and with a token the PVWA refuses', async () => {
    h.sim.clearRequests();
    const none = await h.gql(ME, {}, { token: null });
    expect(none.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(h.sim.requests).toHaveLength(0);
    const refused = await h.gql(ME, {}, { token: 'nobody-token' });
    expect(refused.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
  });
});
