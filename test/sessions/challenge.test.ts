import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { CHALLENGE_TTL_MS, openChallenge, openSession, Sealer, sealChallenge, SessionSecret } from '../../src/sessions/seal.js';
import { RADIUS_USER } from '../../src/simulator/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startHarness, type Harness } from '../support/harness.js';
import { authCalls, LIST, LOGON, RESPOND, sessionCookieOf, setCookies, TEST_SECRET_HEX, testSealer } from '../support/sessions.js';

const RADIUS_LOGON = { input: { method: 'RADIUS', username: 'radius', password: 'radius' } };
const PROMPT = 'Enter the one-time code from your authenticator app.';
/** The web session cookies the simulator sets on a challenge, as sent back. */
const CHALLENGE_COOKIES = /^ASP\.NET_SessionId=[0-9a-f]{24}; BIGipServerPVWA=\d+\.20480\.0000$/;

describe('RADIUS logon challenges', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SESSION_SECRET: TEST_SECRET_HEX } });
    h.sim.addUser({ username: 'two-step', password: 'pw-two-step', codes: ['111111', '222222'] });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('answers the PVWA prompt as a LogonChallenge, then the one-time code with the session', async () => {
    const first = await h.gql(LOGON, RADIUS_LOGON, { token: null });
    expect(first.body.errors).toBeUndefined();
    const { challengeId } = first.body.data!.logon;
    expect(first.body.data!.logon).toEqual({ __typename: 'LogonChallenge', challengeId, message: PROMPT });
    expect(challengeId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(setCookies(first)).toEqual([]);

    const second = await h.gql(RESPOND, { challengeId, response: RADIUS_USER.codes![0], delivery: 'COOKIE' }, { token: null });
    expect(second.body).toEqual({ data: { respondToLogonChallenge: { __typename: 'LogonSuccess', delivery: 'COOKIE', token: null } } });
    const token = openSession(testSealer(), sessionCookieOf(second), Date.now(), 60_000)?.token;
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const [logon, answer] = authCalls(h);
    expect(authCalls(h)).toHaveLength(2);
    expect(logon).toMatchObject({ method: 'POST', path: '/PasswordVault/API/auth/RADIUS/Logon', body: '{"username":"radius","password":"radius","concurrentSession":false}' });
    expect(logon.headers.cookie).toBeUndefined();
    // The answer goes to the same Logon, with only username and code, and the challenge's cookies echoed.
    expect(answer).toMatchObject({ method: 'POST', path: '/PasswordVault/API/auth/RADIUS/Logon', body: '{"username":"radius","password":"123456"}' });
    expect(answer.headers.cookie).toMatch(CHALLENGE_COOKIES);
    expect(answer.headers.authorization).toBeUndefined();
    // The challengeId holds what the next answer needs, sealed: the PVWA's cookies among it.
    expect(openChallenge(testSealer(), challengeId, Date.now())).toEqual({
      nonce: expect.stringMatching(/^[\w-]{22}$/), username: 'radius', method: 'RADIUS', cookies: answer.headers.cookie!.split('; '), expiresAt: expect.any(Number),
    });
  });

  it('loops while the PVWA asks for another code, keeping its cookies', async () => {
    const first = await h.gql(LOGON, { input: { method: 'RADIUS', username: 'two-step', password: 'pw-two-step' } }, { token: null });
    const again = await h.gql(RESPOND, { challengeId: first.body.data!.logon.challengeId, response: '111111' }, { token: null });
    expect(again.body.data!.respondToLogonChallenge).toEqual({ __typename: 'LogonChallenge', challengeId: expect.any(String), message: 'Enter the next one-time code.' });
    const done = await h.gql(RESPOND, { challengeId: again.body.data!.respondToLogonChallenge.challengeId, response: '222222' }, { token: null });
    const { token } = done.body.data!.respondToLogonChallenge;
    expect(done.body.data!.respondToLogonChallenge).toEqual({ __typename: 'LogonSuccess', delivery: 'TOKEN', token });
    const calls = authCalls(h);
    expect(calls.map((c) => c.body)).toEqual([
      '{"username":"two-step","password":"pw-two-step","concurrentSession":false}',
      '{"username":"two-step","password":"111111"}',
      '{"username":"two-step","password":"222222"}',
    ]);
    expect(calls[1].headers.cookie).toMatch(CHALLENGE_COOKIES);
    expect(calls[2].headers.cookie).toBe(calls[1].headers.cookie);
    expect((await h.gql(LIST, {}, { token })).body.errors).toBeUndefined();
  });

  it('a wrong one-time code is UNAUTHENTICATED with the PVWA code', async () => {
    const first = await h.gql(LOGON, RADIUS_LOGON, { token: null });
    const answer = await h.gql(RESPOND, { challengeId: first.body.data!.logon.challengeId, response: '000000' }, { token: null });
    expect(answer.body.errors![0]).toMatchObject({
      message: 'Authentication failure for User [radius].', extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS013E' },
    });
  });

  it('the simulator refuses the code without the challenge cookies, as a PVWA does', async () => {
    await h.gql(LOGON, RADIUS_LOGON, { token: null });
    const bare = await fetch(`${h.sim.url}/API/auth/RADIUS/Logon`, { method: 'POST', body: JSON.stringify({ username: 'radius', password: '123456' }) });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({ ErrorCode: 'PASWS013E', ErrorMessage: 'Authentication failure for User [radius].' });
  });

  it.each([
    ['altered', () => {
      const id = sealChallenge(testSealer(), { nonce: 'n1', username: 'radius', method: 'RADIUS', cookies: [], expiresAt: Date.now() + CHALLENGE_TTL_MS });
      return id.slice(0, 20) + (id[20] === 'A' ? 'B' : 'A') + id.slice(21);
    }],
    ['sealed with another secret', () => sealChallenge(new Sealer(SessionSecret.random()), { nonce: 'n1', username: 'radius', method: 'RADIUS', cookies: [], expiresAt: Date.now() + CHALLENGE_TTL_MS })],
    ['expired', () => sealChallenge(testSealer(), { nonce: 'n1', username: 'radius', method: 'RADIUS', cookies: [], expiresAt: Date.now() - 1 })],
    ['made up', () => 'radius'],
  ])('a challengeId %s is BAD_USER_INPUT, without a PVWA call', async (_what, make) => {
    const answer = await h.gql(RESPOND, { challengeId: make(), response: '123456' }, { token: null });
    expect(answer.body).toEqual({
      data: null,
      errors: [{
        message: 'The logon challenge is invalid, has expired or was already answered; log on again.', locations: [{ line: 2, column: 3 }], path: ['respondToLogonChallenge'],
        extensions: { code: 'BAD_USER_INPUT', argument: 'challengeId' },
      }],
    });
    expect(h.sim.requests).toEqual([]);
  });

  it('a session cookie is never taken as a challengeId, nor the reverse', async () => {
    const value = sessionCookieOf(await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null }));
    h.sim.clearRequests();
    const answer = await h.gql(RESPOND, { challengeId: value, response: '123456' }, { token: null });
    expect(answer.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    const { challengeId } = (await h.gql(LOGON, RADIUS_LOGON, { token: null })).body.data!.logon;
    h.sim.clearRequests();
    const list = await h.gql(LIST, {}, { token: null, headers: { cookie: `pta_session=${challengeId}` } });
    expect(list.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect(h.sim.requests).toEqual([]);
  });

  describe('on another replica with the same SESSION_SECRET', () => {
    let other: Gateway;
    beforeAll(async () => {
      const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PVWA_URL: h.sim.url, SESSION_SECRET: Buffer.from(TEST_SECRET_HEX, 'hex').toString('base64'), LOG_LEVEL: 'silent' });
      other = await startGateway({ config, logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }) });
    });
    afterAll(() => other.stop());

    it('refuses a challenge begun on the first replica (challenges are kept per replica), and reads a session cookie the first one sealed', async () => {
      const first = await h.gql(LOGON, RADIUS_LOGON, { token: null });
      const post = (query: string, variables: object, headers: Record<string, string> = {}) =>
        fetch(other.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
      h.sim.clearRequests();
      const elsewhere = await post(RESPOND, { challengeId: first.body.data!.logon.challengeId, response: '123456', delivery: 'COOKIE' });
      expect(((await elsewhere.json()) as { errors: unknown[] }).errors[0]).toMatchObject({ message: 'The logon challenge is invalid, has expired or was already answered; log on again.', extensions: { code: 'BAD_USER_INPUT' } });
      expect(h.sim.requests).toEqual([]);
      // The same challenge on the replica that issued it goes on.
      const here = await h.gql(RESPOND, { challengeId: first.body.data!.logon.challengeId, response: '123456', delivery: 'COOKIE' }, { token: null });
      const cookie = sessionCookieOf(here);
      // A session cookie opens on every replica with the same secret.
      const list = await post(LIST, {}, { cookie: `pta_session=${cookie}` });
      expect(((await list.json()) as { errors?: unknown }).errors).toBeUndefined();
    });
  });
});
