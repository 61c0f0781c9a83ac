import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_FIELDS, startHarness, type Harness } from '../support/harness.js';

describe('limits on hostile documents and requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_QUERY_DEPTH: '6', MAX_REQUEST_BYTES: '8192' } });
  });
  afterAll(() => h.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token', ...headers }, body });

  it('refuses a document deeper than MAX_QUERY_DEPTH', async () => {
    const { status, body } = await h.gql('{ securityEvents { edges { node { audits { account { target { resolved { fqdn } } } } } } } }');
    expect(status).toBe(400);
    expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0].message).toMatch(/depth limit of 6 exceeded/i);
  });

  it('refuses more aliases than MAX_QUERY_ALIASES (15)', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: securityEvent(id: "x${i}") { id }`).join(' ');
    const { status, body } = await h.gql(`{ ${aliases} }`);
    expect(status).toBe(400);
    expect(body.errors![0]).toMatchObject({ message: expect.stringMatching(/aliases limit of 15 exceeded/i), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const fifteen = Array.from({ length: 15 }, (_, i) => `a${i}: securityEvent(id: "x${i}") { id }`).join(' ');
    expect((await h.gql(`{ ${fifteen} }`)).body.errors).toBeUndefined();
  });

  it('refuses a document costlier than MAX_QUERY_COST, and accepts a full page of 500 events', async () => {
    const full = await startHarness();
    try {
      const page = (alias: string) => `${alias}: securityEvents(first: 500) { totalCount nodes { ${EVENT_FIELDS} } }`;
      const { status, body } = await full.gql(`{ ${page('a')} ${page('b')} ${page('c')} }`);
      expect(status).toBe(400);
      expect(body.errors![0]).toMatchObject({ message: expect.stringMatching(/cost limit of 100000 exceeded/i), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(full.sim.requests).toHaveLength(0);
      const ok = await full.gql(`{ ${page('a')} }`);
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data!.a.totalCount).toBe(40);
    } finally {
      await full.close();
    }
  });

  it('refuses a document of more than MAX_QUERY_TOKENS tokens before parsing it all', async () => {
    const { status, body } = await h.gql(`{ ${'a '.repeat(2500)} }`);
    expect(status).toBe(400);
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(body.errors![0].message).toBe("Syntax Error: Document contains more that 2000 tokens. Parsing aborted.");
  });

  it('refuses a body larger than MAX_REQUEST_BYTES with 413', async () => {
    const response = await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(9000) } }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ errors: [{ message: 'The request body is larger than 8192 bytes.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses malformed JSON and non-UTF-8 bodies with a 4xx and a code', async () => {
    const bad = await post('{"query": "{ __typename }"');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    const latin = await post('{"query":"{ __typename }"}', { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(latin.status).toBe(415);
  });

  it('refuses batched requests', async () => {
    const response = await post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });

  it('keeps CSRF prevention on: a simple GET without a preflight header is refused', async () => {
    const response = await fetch(`${h.gateway.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
    const allowed = await fetch(`${h.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.status).toBe(200);
  });
});

describe('introspection', () => {
  const introspect = async (env: Record<string, string>) => {
    const h = await startHarness({ env });
    try {
      return await h.gql('{ __schema { queryType { name } } }');
    } finally {
      await h.close();
    }
  };

  it('is off when NODE_ENV=production', async () => {
    const { status, body } = await introspect({ NODE_ENV: 'production' });
    expect(status).toBe(400);
    expect(body.errors![0]).toMatchObject({
      message: 'Introspection is off on this gateway (the production default); set INTROSPECTION=true to allow it. The query asked for "__schema".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('is on when NODE_ENV=production and INTROSPECTION=true, and in development', async () => {
    expect((await introspect({ NODE_ENV: 'production', INTROSPECTION: 'true' })).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await introspect({})).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
