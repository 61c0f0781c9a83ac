import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { NO_COOKIE_FROM_BROWSER } from '../../src/errors.js';
import { openSession } from '../../src/sessions/seal.js';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { LIST, LOGON, sessionCookieOf, testSealer, withCookie } from '../support/sessions.js';
import { connect } from '../support/sockets.js';

// The `session` query (README: Browsers: the session cookie): how the caller's session came and
// until when, from the request alone; and what a browser is told when no session cookie came.

const MAX_AGE_MS = 3_600_000;
const SESSION = '{ session { delivery expiresAt } }';
const REQUIRED = 'A PVWA session is required: a token in the Authorization header, or the session cookie of a logon.';

describe('the session query', () => {
  let h: Harness;
  let cookie: string;
  const open: Client[] = [];
  beforeAll(async () => {
    h = await startHarness({ env: { SESSION_MAX_AGE_MS: String(MAX_AGE_MS) }, logLevel: 'info' });
    cookie = sessionCookieOf(await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null }));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => h.close());

  /** When the cookie stops being accepted: its issue time plus SESSION_MAX_AGE_MS. */
  const cookieExpiry = (value: string) => new Date(openSession(testSealer(), value, Date.now(), MAX_AGE_MS)!.issuedAt + MAX_AGE_MS).toISOString();

  it('with the session cookie: COOKIE, expiring SESSION_MAX_AGE_MS after its logon, without a PVWA call', async () => {
    h.sim.clearRequests();
    const answer = await withCookie(h, SESSION, cookie);
    expect(answer.body).toEqual({ data: { session: { delivery: 'COOKIE', expiresAt: cookieExpiry(cookie) } } });
    expect(h.sim.requests).toEqual([]);
  });

  it('with a token in Authorization: TOKEN, with no expiry of the gateway\'s, without a PVWA call (even with a cookie)', async () => {
    h.sim.clearRequests();
    expect((await h.gql(SESSION)).body).toEqual({ data: { session: { delivery: 'TOKEN', expiresAt: null } } });
    expect((await h.gql(SESSION, {}, { headers: { cookie: `pta_session=${cookie}` } })).body).toEqual({ data: { session: { delivery: 'TOKEN', expiresAt: null } } });
    expect(h.sim.requests).toEqual([]);
  });

  it('without a session, or with a cookie that does not open: null, without an error', async () => {
    h.sim.clearRequests();
    expect((await h.gql(SESSION, {}, { token: null })).body).toEqual({ data: { session: null } });
    expect((await withCookie(h, SESSION, `${cookie.slice(0, -4)}AAAA`)).body).toEqual({ data: { session: null } });
    expect(h.sim.requests).toEqual([]);
  });

  it('over WebSocket: COOKIE with the upgrade\'s cookie, TOKEN with connectionParams.authorization', async () => {
    const byCookie = connect(h, null, { cookie: `pta_session=${cookie}` });
    const byToken = connect(h, DEMO_TOKEN);
    open.push(byCookie.client, byToken.client);
    const ask = (client: Client) => new Promise((resolve, reject) => client.subscribe({ query: SESSION }, { next: resolve, error: reject, complete: () => {} }));
    expect(await ask(byCookie.client)).toEqual({ data: { session: { delivery: 'COOKIE', expiresAt: cookieExpiry(cookie) } } });
    expect(await ask(byToken.client)).toEqual({ data: { session: { delivery: 'TOKEN', expiresAt: null } } });
  });

  it('is never served again as a rendered answer: the same query says COOKIE or TOKEN by how it came', async () => {
    const both = `{ session { delivery } securityEvents(first: 1) { totalCount } }`;
    const cookieToken = openSession(testSealer(), cookie, Date.now(), MAX_AGE_MS)!.token;
    expect((await h.gql(both, {}, { token: cookieToken })).body.data!.session).toEqual({ delivery: 'TOKEN' });
    expect((await withCookie(h, both, cookie)).body.data!.session).toEqual({ delivery: 'COOKIE' });
    expect((await h.gql(both, {}, { token: cookieToken })).body.data!.session).toEqual({ delivery: 'TOKEN' });
    expect(h.logs.filter((line) => line.msg === 'graphql request' && line.rendered === true)).toEqual([]);
  });
});

describe('UNAUTHENTICATED without a session', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const code = (answer: { body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }) => answer.body.errors?.map((error) => [error.extensions?.code, error.message]);

  it('tells a browser page (a request with an Origin) why its session cookie may not have arrived', async () => {
    const answer = await h.gql(LIST, {}, { token: null, headers: { origin: 'http://localhost:5173' } });
    expect(code(answer)).toEqual([['UNAUTHENTICATED', `${REQUIRED} ${NO_COOKIE_FROM_BROWSER}`]]);
    expect(NO_COOKIE_FROM_BROWSER).toBe(
      'No session cookie arrived with this request from a browser page. A browser sends the cookie only to the host name that set it ' +
        '(a page on localhost calling 127.0.0.1 sends none), only from the same site (it is SameSite=Strict), only when the request is ' +
        "made with credentials: 'include', and, as it is Secure, only over https (or to localhost).",
    );
  });

  it('tells any other client only what is required, and a stale cookie that it is stale', async () => {
    expect(code(await h.gql(LIST, {}, { token: null }))).toEqual([['UNAUTHENTICATED', REQUIRED]]);
    expect(code(await h.gql(LIST, {}, { token: null, headers: { origin: 'http://localhost:5173', cookie: 'pta_session=stale' } }))).toEqual([
      ['UNAUTHENTICATED', 'The session cookie is invalid or has expired; log on again.'],
    ]);
    expect(h.sim.requests).toEqual([]);
  });

  it('closes a browser\'s WebSocket without a session cookie with 4401 and the same hint, shortened', async () => {
    const socket = connect(h, null, { origin: 'http://localhost:5173' });
    expect(await socket.closed).toEqual(expect.objectContaining({ code: 4401, reason: 'Unauthorized: no session cookie arrived (set for another host name or site, or Secure over http?)' }));
    const stale = connect(h, null, { origin: 'http://localhost:5173', cookie: 'pta_session=stale' });
    expect(await stale.closed).toEqual(expect.objectContaining({ code: 4401, reason: 'Unauthorized: the session cookie is invalid or has expired; log on again' }));
    await Promise.all([socket.client.dispose(), stale.client.dispose()]);
  });
});
