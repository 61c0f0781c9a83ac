import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CSRF_MESSAGE } from '../../src/http/csrf.js';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { getUrl, rawRequest } from '../support/http.js';
import { eventCalls, metric, startHarness, type Harness } from '../support/harness.js';
import { LOGON, sessionCookieOf } from '../support/sessions.js';

// CSRF prevention for GET queries (README: Calling it from a browser dev server): Apollo's rule,
// and the gateway's for a GET without Authorization that a browser says is same-origin or from an
// allowed origin. A request is refused before any PVWA call, and the block is logged and counted.

const ALLOWED = 'https://soc.example.com';
const QUERY = '{ securityEvents(first: 1) { totalCount } }';
const SERVED = { data: { securityEvents: { totalCount: 40 } } };
const REFUSED = { errors: [{ message: CSRF_MESSAGE, extensions: { code: 'BAD_REQUEST' } }] };

type Credential = 'cookie' | 'token' | 'none';

describe('CSRF prevention of /graphql', () => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness({ env: { CORS_ORIGINS: ALLOWED }, logLevel: 'info' });
    cookie = sessionCookieOf(await h.gql(LOGON, { input: { username: 'demo', password: 'demo', delivery: 'COOKIE' } }, { token: null }));
  });
  afterAll(() => h.close());

  const credentialHeaders = (credential: Credential): Record<string, string> =>
    credential === 'cookie' ? { cookie: `pta_session=${cookie}` } : credential === 'token' ? { authorization: DEMO_TOKEN } : {};

  const get = (credential: Credential, headers: Record<string, string>, query = QUERY) =>
    rawRequest(getUrl(h.gateway.url, query), { headers: { ...credentialHeaders(credential), ...headers } });

  const blocksLogged = () => h.logs.filter((line) => line.msg === 'request blocked' && line.rule === 'csrf');

  // [what, outcome, credential, headers]
  const GETS: Array<[string, 'served' | 'refused', Credential, Record<string, string>]> = [
    ['the session cookie, same-origin', 'served', 'cookie', { 'sec-fetch-site': 'same-origin' }],
    ['the session cookie, from an allowed origin', 'served', 'cookie', { origin: ALLOWED, 'sec-fetch-site': 'cross-site' }],
    ['the session cookie, with apollo-require-preflight (Apollo\'s rule)', 'served', 'cookie', { 'apollo-require-preflight': 'true' }],
    ['the session cookie, from another origin with x-apollo-operation-name (Apollo\'s rule)', 'served', 'cookie', { origin: 'https://evil.example.com', 'x-apollo-operation-name': 'Q' }],
    ['the session cookie, with content-type application/json (Apollo\'s rule)', 'served', 'cookie', { 'content-type': 'application/json' }],
    ['the session cookie, from another origin', 'refused', 'cookie', { origin: 'https://evil.example.com', 'sec-fetch-site': 'cross-site' }],
    ['the session cookie, same-site but from an origin not allowed', 'refused', 'cookie', { origin: 'https://app.example.com', 'sec-fetch-site': 'same-site' }],
    ['the session cookie, typed in the address bar', 'refused', 'cookie', { 'sec-fetch-site': 'none' }],
    ['the session cookie, no browser signal', 'refused', 'cookie', {}],
    ['the session cookie, with the gateway\'s own marker header', 'refused', 'cookie', { 'x-pta-gateway-csrf-served': '1' }],
    ['the session cookie, an empty apollo-require-preflight', 'refused', 'cookie', { 'apollo-require-preflight': '' }],
    ['Authorization, same-origin (today\'s rule)', 'refused', 'token', { 'sec-fetch-site': 'same-origin' }],
    ['Authorization, from an allowed origin (today\'s rule)', 'refused', 'token', { origin: ALLOWED }],
    ['Authorization, with apollo-require-preflight', 'served', 'token', { 'apollo-require-preflight': '1' }],
  ];

  it.each(GETS)('a GET with %s is %s (refused: before any PVWA call, logged)', async (_what, outcome, credential, headers) => {
    const served = outcome === 'served';
    h.sim.clearRequests();
    const before = blocksLogged().length;
    const answer = await get(credential, headers);
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual(served ? SERVED : REFUSED);
    expect(answer.status).toBe(served ? 200 : 400);
    expect(eventCalls(h.sim)).toHaveLength(served ? 1 : 0);
    if (served) return expect(blocksLogged()).toHaveLength(before);
    expect(h.sim.requests).toEqual([]);
    expect(blocksLogged().slice(before)).toEqual([
      expect.objectContaining({
        level: 'info',
        rule: 'csrf',
        origin: headers.origin ?? null,
        method: 'GET',
        secFetchSite: headers['sec-fetch-site'] ?? null,
        reason: credential === 'token'
          ? 'a GET with Authorization and without a preflight header'
          : 'a GET without a preflight header, neither same-origin (Sec-Fetch-Site) nor from an origin in CORS_ORIGINS',
      }),
    ]);
  });

  it('serves a same-origin GET without any session too: the session query says null', async () => {
    const answer = await get('none', { 'sec-fetch-site': 'same-origin' }, '{ session { delivery } }');
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({ data: { session: null } });
    expect((await get('none', {}, '{ session { delivery } }')).status).toBe(400);
  });

  it('runs no mutation over GET, same-origin or not', async () => {
    h.sim.clearRequests();
    const answer = await get('cookie', { 'sec-fetch-site': 'same-origin' }, 'mutation { logoff }');
    expect(answer.status).toBe(405);
    expect(h.sim.requests).toEqual([]);
  });

  it('refuses a form POST with the session cookie even from an allowed origin; a JSON POST passes', async () => {
    h.sim.clearRequests();
    const form = await rawRequest(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ALLOWED, cookie: `pta_session=${cookie}` },
      body: JSON.stringify({ query: 'mutation { logoff }' }),
    });
    expect(form.status).toBe(400);
    expect(JSON.parse(form.body.toString('utf8'))).toEqual(REFUSED);
    expect(h.sim.requests).toEqual([]);
    expect(blocksLogged().at(-1)).toMatchObject({ origin: ALLOWED, method: 'POST', reason: 'a POST with content-type text/plain (one a page can send across sites) and without a preflight header' });
    const json = await h.gql(QUERY, {}, { token: null, headers: { cookie: `pta_session=${cookie}`, origin: 'https://evil.example.com' } });
    expect(json.body).toEqual(SERVED);
  });

  it('decides before a rendered answer is looked up: a refused GET of a query served again makes no PVWA call', async () => {
    await get('cookie', { 'sec-fetch-site': 'same-origin' });
    const again = await get('cookie', { 'sec-fetch-site': 'same-origin' });
    expect(again.status).toBe(200);
    await h.logged((line) => line.msg === 'graphql request' && line.rendered === true);
    h.sim.clearRequests();
    expect((await get('cookie', {})).status).toBe(400);
    expect(h.sim.requests).toEqual([]);
  });

  it('counts each in pta_gateway_requests_blocked_total{rule="csrf"}', async () => {
    expect(await metric(h, 'pta_gateway_requests_blocked_total{rule="csrf"}')).toBe(blocksLogged().length);
    expect(blocksLogged().length).toBe(GETS.filter(([, outcome]) => outcome === 'refused').length + 3);
    // No cookie value or token reaches a log line.
    expect(h.logText()).not.toContain(cookie);
  });
});
