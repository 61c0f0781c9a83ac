import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { metric, startHarness, type Harness } from '../support/harness.js';
import { connect } from '../support/sockets.js';

// A browser's request blocked by the gateway's own rules says why in the log (one `info` line
// `request blocked` with the rule, the reason and the origin) and counts in
// pta_gateway_requests_blocked_total: a
// preflight of an origin not allowed or asking for headers not granted, a WebSocket upgrade from
// an origin not allowed, a socket without a session or whose session the PVWA refuses. (CSRF
// blocks: csrf.test.ts.)

const ALLOWED = 'https://soc.example.com';
const EVIL = 'https://evil.example.com';

describe('blocked requests, logged and counted', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CORS_ORIGINS: ALLOWED, CORS_ALLOWED_HEADERS: 'X-Tenant, baggage' }, logLevel: 'info' });
  });
  afterAll(() => h.close());

  const blocks = (rule: string) => h.logs.filter((line) => line.msg === 'request blocked' && line.rule === rule);
  const preflight = (origin: string, requestHeaders: string) =>
    fetch(h.gateway.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders } });

  it('grants the headers of CORS_ALLOWED_HEADERS besides the clients\' own, with no block', async () => {
    const response = await preflight(ALLOWED, 'content-type,apollographql-client-name,apollographql-client-version,traceparent,tracestate,x-tenant,baggage');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'content-type, authorization, x-request-id, apollo-require-preflight, x-apollo-operation-name, apollographql-client-name, apollographql-client-version, traceparent, tracestate, x-tenant, baggage',
    );
    expect(blocks('cors-headers')).toEqual([]);
  });

  it('logs a preflight that asks for a header not granted, with the headers', async () => {
    const response = await preflight(ALLOWED, 'content-type, X-Debug, x-tenant, x-other');
    expect(response.status).toBe(204);
    expect(blocks('cors-headers')).toEqual([
      expect.objectContaining({
        level: 'info',
        origin: ALLOWED,
        headers: ['x-debug', 'x-other'],
        reason: 'the preflight asks for request headers that are not allowed (add them to CORS_ALLOWED_HEADERS)',
      }),
    ]);
  });

  it('logs a preflight of an origin not allowed', async () => {
    const response = await preflight(EVIL, 'content-type');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(blocks('cors-origin')).toEqual([expect.objectContaining({ level: 'info', origin: EVIL, reason: 'the origin is not in CORS_ORIGINS' })]);
  });

  it('logs a WebSocket upgrade from an origin not allowed (403)', async () => {
    const socket = connect(h, DEMO_TOKEN, { origin: EVIL });
    expect((await socket.closed).code).toBe(1006);
    await socket.client.dispose();
    expect(blocks('websocket-origin')).toEqual([
      expect.objectContaining({ level: 'info', origin: EVIL, reason: 'the origin is neither the gateway\'s own nor in CORS_ORIGINS' }),
    ]);
  });

  it('logs a socket without a session, and one whose session the PVWA refuses at connect', async () => {
    const none = connect(h, null, { origin: ALLOWED });
    expect((await none.closed).code).toBe(4401);
    const refused = connect(h, 'not-a-session');
    expect((await refused.closed).code).toBe(4401);
    await Promise.all([none.client.dispose(), refused.client.dispose()]);
    expect(blocks('websocket-auth')).toEqual([
      expect.objectContaining({ level: 'info', origin: ALLOWED, reason: 'Unauthorized: no session cookie arrived (set for another host name or site, or Secure over http?)' }),
      expect.objectContaining({ level: 'info', origin: null, reason: 'the PVWA refused the session at connect (401)' }),
    ]);
  });

  it('counts each in pta_gateway_requests_blocked_total by rule, and logs no token', async () => {
    const counts = Object.fromEntries(
      await Promise.all(['cors-origin', 'cors-headers', 'csrf', 'websocket-origin', 'websocket-auth'].map(async (rule) => [rule, await metric(h, `pta_gateway_requests_blocked_total{rule="${rule}"}`)])),
    );
    expect(counts).toEqual({ 'cors-origin': 1, 'cors-headers': 1, csrf: 0, 'websocket-origin': 1, 'websocket-auth': 2 });
    expect(h.logText()).not.toContain('not-a-session');
  });
});

describe('CORS_ALLOWED_HEADERS', () => {
  it('reads header names, lower-cased; none by default', () => {
    expect(loadConfig({ CORS_ALLOWED_HEADERS: 'X-Tenant, baggage,,' }).CORS_ALLOWED_HEADERS).toEqual(['x-tenant', 'baggage']);
    expect(loadConfig({}).CORS_ALLOWED_HEADERS).toEqual([]);
  });

  it.each(['x tenant', 'x-tenant:1', 'é'])('refuses %j with one line', (value) => {
    expect(() => loadConfig({ CORS_ALLOWED_HEADERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ALLOWED_HEADERS: value })).toThrow(/^Invalid configuration: CORS_ALLOWED_HEADERS must be a comma-separated list of header names such as x-tenant/);
  });
});
