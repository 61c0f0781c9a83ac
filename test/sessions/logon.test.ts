import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { openSession, Sealer, sealSession, SessionSecret } from '../../src/sessions/seal.js';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';
import { authCalls, LIST, LOGOFF, LOGON, sessionCookieOf, setCookies, TEST_SECRET_HEX, testSealer, withCookie } from '../support/sessions.js';

const COOKIE_ATTRIBUTES = 'HttpOnly; Secure; SameSite=Strict; Path=/';
const MAX_AGE_MS = 43_200_000;

describe('logon and the session cookie', () => {
  let h: Harness;
  const ended: Array<[string, string]> = [];
  beforeAll(async () => {
    h = await startHarness({ env: { SESSION_SECRET: TEST_SECRET_HEX }, onSessionEnded: (token, reason) => ended.push([token, reason]) });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
    ended.length = 0;
  });

  it('TOKEN: POSTs the credentials to the CyberArk Logon and answers the token, with no cookie', async () => {
    const answer = await h.gql(LOGON, { input: { username: 'demo', password: 'demo' } }, { token: null });
    expect(answer.body.errors).toBeUndefined();
    const { token } = answer.body.data!.logon;
    expect(answer.body.data!.logon).toEqual({ __typename: 'LogonSuccess', delivery: 'TOKEN', token });
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(setCookies(answer)).toEqual([]);
    const [call] = authCalls(h);
    expect(authCalls(h)).toHaveLength(1);
    expect(call).toMatchObject({ method: 'POST', path: '/PasswordVault/API/auth/CyberArk/Logon', body: '{"username":"demo","password":"demo","concurrentSession":false}' });
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers.authorization).toBeUndefined();
    expect(call.headers.cookie).toBeUndefined();
    // The token works for the next requests, sent raw to the PVWA.
    const list = await h.gql(LIST, {}, { token });
    expect(list.body.data!.securityEvents.totalCount).toBe(40);
    expect(eventCalls(h.sim)[0].headers.authorization).toBe(token);
  });

  it.each([
    ['LDAP', 'LDAP'],
    ['WINDOWS', 'Windows'],
  ])('uses the %s Logon path and passes concurrentSession', async (method, segment) => {
    const answer = await h.gql(LOGON, { input: { method, username: 'demo', password: 'demo', concurrentSession: true } }, { token: null });
    expect(answer.body.data!.logon.delivery).toBe('TOKEN');
    expect(authCalls(h).map((c) => [c.path, c.body])).toEqual([
      [`/PasswordVault/API/auth/${segment}/Logon`, '{"username":"demo","password":"demo","concurrentSession":true}'],
    ]);
  });

  it('COOKIE: answers token null and sets pta_session, the token sealed, as a browser-session cookie', async () => {
    const answer = await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null });
    expect(answer.body).toEqual({ data: { logon: { __typename: 'LogonSuccess', delivery: 'COOKIE', token: null } } });
    const cookies = setCookies(answer);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(new RegExp(`^pta_session=[A-Za-z0-9_-]{200,}; ${COOKIE_ATTRIBUTES}$`));
    expect(cookies[0]).not.toMatch(/max-age|expires/i);
    const token = openSession(testSealer(), sessionCookieOf(answer), Date.now(), MAX_AGE_MS)?.token;
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(sessionCookieOf(answer)).not.toContain(token);
  });

  it('a request with only the cookie reaches the PVWA with the raw token', async () => {
    const value = sessionCookieOf(await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null }));
    const { token } = openSession(testSealer(), value, Date.now(), MAX_AGE_MS)!;
    const list = await withCookie(h, LIST, value);
    expect(list.body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    const calls = eventCalls(h.sim);
    expect(calls).toHaveLength(1);
    expect(calls[0].headers.authorization).toBe(token);
    expect(calls[0].headers.cookie).toBeUndefined();
    expect(setCookies(list)).toEqual([]);
  });

  it('Authorization wins over the cookie', async () => {
    const value = sealSession(testSealer(), 'cookie-token-not-used', Date.now());
    const list = await h.gql(LIST, {}, { token: 'demo-token', headers: { cookie: `pta_session=${value}` } });
    expect(list.body.errors).toBeUndefined();
    expect(eventCalls(h.sim)[0].headers.authorization).toBe('demo-token');
  });

  describe('a cookie that does not open is UNAUTHENTICATED, without a PVWA call', () => {
    const refused = {
      data: null,
      errors: [{ message: 'The session cookie is invalid or has expired; log on again.', locations: [{ line: 1, column: 3 }], path: ['securityEvents'], extensions: { code: 'UNAUTHENTICATED' } }],
    };
    const sealed = () => sealSession(testSealer(), 'demo-token', Date.now());
    it.each([
      ['tampered', () => {
        const bytes = Buffer.from(sealed(), 'base64url');
        bytes[30] ^= 1;
        return bytes.toString('base64url');
      }],
      ['sealed with another secret', () => sealSession(new Sealer(SessionSecret.random()), 'demo-token', Date.now())],
      ['older than SESSION_MAX_AGE_MS', () => sealSession(testSealer(), 'demo-token', Date.now() - MAX_AGE_MS - 1000)],
      ['the bare token', () => 'demo-token'],
    ])('%s', async (_what, make) => {
      const answer = await withCookie(h, LIST, make());
      expect(answer.body).toEqual(refused);
      expect(h.sim.requests).toEqual([]);
    });
  });

  it('logon works with a stale cookie: COOKIE replaces it, TOKEN clears it', async () => {
    const stale = sealSession(testSealer(), 'old-token', Date.now() - MAX_AGE_MS - 1);
    const byCookie = await withCookie(h, LOGON, stale, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } });
    expect(byCookie.body.data!.logon).toEqual({ __typename: 'LogonSuccess', delivery: 'COOKIE', token: null });
    expect(openSession(testSealer(), sessionCookieOf(byCookie), Date.now(), MAX_AGE_MS)?.token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const byToken = await withCookie(h, LOGON, 'garbage', { input: { username: 'demo', password: 'demo' } });
    expect(byToken.body.data!.logon.token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(setCookies(byToken)).toEqual([`pta_session=; ${COOKIE_ATTRIBUTES}; Max-Age=0`]);
    expect(authCalls(h)).toHaveLength(2);
  });

  it.each([
    ['CYBERARK', 'demo', 403, 'ITATS127E'],
    ['LDAP', 'demo', 403, 'ITATS127E'],
    ['RADIUS', 'radius', 401, 'PASWS013E'],
  ])('a wrong password (%s) is UNAUTHENTICATED with the PVWA message and code', async (method, username, status, code) => {
    const answer = await h.gql(LOGON, { input: { method, username, password: 'wrong-pass-91', delivery: 'COOKIE' } }, { token: null });
    expect(answer.body).toEqual({
      data: null,
      errors: [{
        message: `Authentication failure for User [${username}].`, locations: [{ line: 1, column: 39 }], path: ['logon'],
        extensions: { code: 'UNAUTHENTICATED', upstreamStatus: status, pvwaErrorCode: code },
      }],
    });
    expect(setCookies(answer)).toEqual([]);
    expect(authCalls(h)).toHaveLength(1);
    expect(ended).toEqual([]);
  });

  it('refuses an empty username or password without a PVWA call', async () => {
    const answer = await h.gql(LOGON, { input: { username: 'demo', password: '' } }, { token: null });
    expect(answer.body.errors![0]).toMatchObject({ message: '`input.password` must not be empty.', extensions: { code: 'BAD_USER_INPUT', argument: 'input.password' } });
    expect(h.sim.requests).toEqual([]);
  });

  it.each([
    [{ kind: 'status', status: 503 } as const, 'UPSTREAM_UNAVAILABLE'],
    [{ kind: 'status', status: 502 } as const, 'UPSTREAM_UNAVAILABLE'],
    [{ kind: 'reset' } as const, 'UPSTREAM_UNAVAILABLE'],
    [{ kind: 'html' } as const, 'UPSTREAM_ERROR'],
  ])('never retries a logon (%j)', async (fault, code) => {
    h.sim.setFault(fault);
    const answer = await h.gql(LOGON, { input: { username: 'demo', password: 'demo' } }, { token: null });
    expect(answer.body.errors![0].extensions!.code).toBe(code);
    expect(authCalls(h)).toHaveLength(1);
  });

  it('logoff ends a token session upstream: the next call with that token is UNAUTHENTICATED', async () => {
    const { token } = (await h.gql(LOGON, { input: { username: 'demo', password: 'demo' } }, { token: null })).body.data!.logon;
    const answer = await h.gql(LOGOFF, {}, { token });
    expect(answer.body).toEqual({ data: { logoff: true } });
    expect(setCookies(answer)).toEqual([]);
    const logoff = authCalls(h)[1];
    expect(logoff).toMatchObject({ method: 'POST', path: '/PasswordVault/API/Auth/Logoff', body: '' });
    expect(logoff.headers.authorization).toBe(token);
    expect(ended).toEqual([[token, 'logoff']]);
    const after = await h.gql(LIST, {}, { token });
    expect(after.body.errors![0]).toMatchObject({ message: 'The session token is missing, invalid or expired.', extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' } });
    // The PVWA's 401 tells the hook too: the session is over upstream.
    expect(ended).toEqual([[token, 'logoff'], [token, 'rejected']]);
  });

  it('logoff of a cookie session clears the cookie; the old cookie then fails upstream', async () => {
    const value = sessionCookieOf(await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null }));
    const { token } = openSession(testSealer(), value, Date.now(), MAX_AGE_MS)!;
    const answer = await withCookie(h, LOGOFF, value);
    expect(answer.body).toEqual({ data: { logoff: true } });
    expect(setCookies(answer)).toEqual([`pta_session=; ${COOKIE_ATTRIBUTES}; Max-Age=0`]);
    expect(authCalls(h)[1].headers.authorization).toBe(token);
    expect(ended).toEqual([[token, 'logoff']]);
    const after = await withCookie(h, LIST, value);
    expect(after.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
  });

  it('logoff without a session is UNAUTHENTICATED, without a PVWA call', async () => {
    const answer = await h.gql(LOGOFF, {}, { token: null });
    expect(answer.body).toEqual({
      data: null,
      errors: [{ message: 'A PVWA session is required: a token in the Authorization header, or the session cookie of a logon.', locations: [{ line: 1, column: 19 }], path: ['logoff'], extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(h.sim.requests).toEqual([]);
  });

  it('logoff with a stale cookie is UNAUTHENTICATED and clears it', async () => {
    const answer = await withCookie(h, LOGOFF, 'garbage');
    expect(answer.body.errors![0]).toMatchObject({ message: 'The session cookie is invalid or has expired; log on again.', extensions: { code: 'UNAUTHENTICATED' } });
    expect(setCookies(answer)).toEqual([`pta_session=; ${COOKIE_ATTRIBUTES}; Max-Age=0`]);
    expect(h.sim.requests).toEqual([]);
  });
});

describe('SESSION_COOKIE_SECURE=false and SESSION_MAX_AGE_MS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SESSION_SECRET: TEST_SECRET_HEX, SESSION_COOKIE_SECURE: 'false', SESSION_MAX_AGE_MS: '60000' } });
  });
  afterAll(() => h.close());

  it('drops Secure for plain-http labs', async () => {
    const answer = await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null });
    expect(setCookies(answer)[0]).toMatch(/^pta_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/$/);
  });

  it('refuses a cookie older than the configured age, and takes a younger one', async () => {
    h.sim.clearRequests();
    expect((await withCookie(h, LIST, sealSession(testSealer(), 'demo-token', Date.now() - 61_000))).body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(h.sim.requests).toEqual([]);
    expect((await withCookie(h, LIST, sealSession(testSealer(), 'demo-token', Date.now() - 50_000))).body.errors).toBeUndefined();
  });
});

describe('without SESSION_SECRET, in development', () => {
  it('seals with a secret made for this process, and says so in a warning', async () => {
    const h = await startHarness({ env: { SESSION_SECRET: '' } });
    try {
      const answer = await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null });
      const value = sessionCookieOf(answer);
      expect((await withCookie(h, LIST, value)).body.errors).toBeUndefined();
      expect(openSession(testSealer(), value, Date.now(), MAX_AGE_MS)).toBeNull();
      expect(h.logs.filter((line) => line.level === 'warn' && /^SESSION_SECRET is unset/.test(line.msg))).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
