import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';
import { originMatcher } from '../../src/http/cors.js';
import { startHarness, type Harness } from '../support/harness.js';

const ALLOWED = 'https://soc.example.com';
const PREFLIGHT_HEADERS = 'content-type, authorization, x-request-id, apollo-require-preflight, x-apollo-operation-name, traceparent, tracestate';

/** The CORS headers of an answer (and Vary). */
function corsHeaders(response: { headers: Headers }): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
}

describe('CORS on /graphql', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CORS_ORIGINS: `${ALLOWED}, https://triage.example.com:8443` } });
  });
  afterAll(() => h.close());

  const preflight = (origin: string) =>
    fetch(h.gateway.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization,x-request-id' },
    });

  it('grants the preflight of an allowed origin: methods, the clients\' headers, credentials, a max-age', async () => {
    const response = await preflight(ALLOWED);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(corsHeaders(response)).toEqual({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': PREFLIGHT_HEADERS,
      'access-control-max-age': '7200',
      vary: 'Origin',
    });
    expect(h.sim.requests).toEqual([]);
  });

  it('answers a request of an allowed origin with its origin and credentials', async () => {
    const answer = await h.gql('{ securityEvents(first: 1) { totalCount } }', {}, { headers: { origin: 'https://triage.example.com:8443' } });
    expect(answer.body.errors).toBeUndefined();
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': 'https://triage.example.com:8443',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id',
      vary: 'Origin',
    });
  });

  it.each(['https://evil.example.com', 'https://soc.example.com:444', 'http://soc.example.com', 'https://soc.example.com.evil.com', 'null', 'http://localhost:5173'])(
    'gives %s no CORS header, on the preflight or the request',
    async (origin) => {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(corsHeaders(response)).toEqual({ vary: 'Origin' });
      const answer = await h.gql('{ securityEvents(first: 1) { totalCount } }', {}, { headers: { origin } });
      expect(answer.status).toBe(200);
      expect([...answer.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    },
  );

  it('keeps CSRF prevention: a simple cross-site POST is refused even from an allowed origin', async () => {
    h.sim.clearRequests();
    const response = await fetch(h.gateway.url, {
      method: 'POST',
      headers: { origin: ALLOWED, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { logoff }' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This operation has been blocked as a potential Cross-Site Request Forgery');
    expect(h.sim.requests).toEqual([]);
  });
});

describe('CORS_ORIGINS', () => {
  it('defaults in development to http://localhost and http://127.0.0.1 on any port, in production to none', () => {
    const allows = originMatcher(loadConfig({}).CORS_ORIGINS);
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8080', 'http://localhost']) expect(allows(origin)).toBe(true);
    for (const origin of ['https://localhost:5173', 'http://localhost.evil.com', 'http://localhost:5173.evil.com', 'http://127.0.0.2:80', 'http://localhost:']) {
      expect(allows(origin)).toBe(false);
    }
    expect(loadConfig({ NODE_ENV: 'production', PVWA_URL: 'https://pvwa.example.com/PasswordVault', SESSION_SECRET: 'ab'.repeat(32) }).CORS_ORIGINS).toEqual([]);
  });

  it('reads exact origins, normalised as browsers send them', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://SOC.example.com/, http://10.0.0.5:3000' }).CORS_ORIGINS).toEqual(['https://soc.example.com', 'http://10.0.0.5:3000']);
    const allows = originMatcher(['https://soc.example.com']);
    expect(allows('https://soc.example.com')).toBe(true);
    expect(allows('https://soc.example.com:443')).toBe(false);
  });

  it.each(['*', 'https://soc.example.com/app', 'soc.example.com', 'ftp://soc.example.com', 'https://soc.example.com?x'])('refuses %j with one line', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/^Invalid configuration: CORS_ORIGINS must be a comma-separated list of origins such as https:\/\/soc\.example\.com/);
  });
});

describe('CORS in development by default', () => {
  it('allows a local development server', async () => {
    const h = await startHarness();
    try {
      const response = await fetch(h.gateway.url, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    } finally {
      await h.close();
    }
  });
});
