import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { eventCalls, metric, startHarness, type Harness } from '../support/harness.js';

type Json = Record<string, any>;

/**
 * Trusted documents (TRUSTED_DOCUMENTS): requests name a manifest's document by id over HTTP (POST
 * and GET) and WebSocket; in `enforce` mode nothing else runs, before any PVWA call.
 */

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const COUNT = 'query Count { securityEvents(first: 1) { totalCount } }';
const CHANGED = 'subscription Changed { securityEventChanged { kind event { id } } }';
const CLOSE = 'mutation Close($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { id status } }';
const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
const manifest = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
/** graphql-codegen client preset's format. */
const CODEGEN = manifest('persisted-documents.json', Object.fromEntries([COUNT, CHANGED, CLOSE].map((text) => [sha(text), text])));
/** Apollo's persisted query manifest. */
const APOLLO = manifest('apollo.json', {
  format: 'apollo-persisted-query-manifest', version: 1,
  operations: [{ id: sha(COUNT), name: 'Count', type: 'query', body: COUNT }],
});

const refused = (code: string) => ({ errors: [{ message: expect.any(String), extensions: { code } }] });

function overSocket(h: Harness, payload: Json): Promise<Json> {
  const client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: 'demo-token' }, retryAttempts: 0 });
  return new Promise<Json>((resolve, reject) => {
    client.subscribe(payload as never, {
      next: (value) => resolve(value as Json),
      error: (errors) => (Array.isArray(errors) ? resolve({ errors }) : reject(errors)),
      complete: () => {},
    });
  }).finally(() => client.dispose());
}

describe('enforce mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TRUSTED_DOCUMENTS: CODEGEN, LOG_LEVEL: 'info', LIVE_POLL_INTERVAL_MS: '100' } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearRequests());

  const post = (body: Json) => fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: JSON.stringify(body) });

  it.each([
    ['documentId "sha256:<hex>"', { documentId: `sha256:${sha(COUNT)}` }],
    ['the bare hex', { documentId: sha(COUNT) }],
    ["Apollo's persistedQuery extension", { extensions: { persistedQuery: { version: 1, sha256Hash: sha(COUNT) } } }],
    ['the exact text of a trusted document', { query: COUNT }],
  ])('runs a document named by %s', async (_how, body) => {
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });

  it('runs a GET query named by documentId, and refuses a mutation by GET as before (405)', async () => {
    const get = await fetch(`${h.gateway.url}?documentId=sha256:${sha(COUNT)}`, { headers: { authorization: 'demo-token', 'apollo-require-preflight': 'true' } });
    expect(await get.json()).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    const mutation = await fetch(`${h.gateway.url}?documentId=${sha(CLOSE)}&variables=${encodeURIComponent('{"id":"x"}')}`, { headers: { authorization: 'demo-token', 'apollo-require-preflight': 'true' } });
    expect(mutation.status).toBe(405);
  });

  it.each([
    ['an unknown id', { documentId: 'sha256:' + 'a'.repeat(64) }, 'PERSISTED_DOCUMENT_NOT_FOUND'],
    ['an unknown Apollo hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }, 'PERSISTED_DOCUMENT_NOT_FOUND'],
    ['a document that is not trusted', { query: '{ securityEvents(first: 2) { totalCount } }' }, 'PERSISTED_DOCUMENT_REQUIRED'],
    ['a trusted document with another spacing', { query: COUNT.replace('{ ', '{  ') }, 'PERSISTED_DOCUMENT_REQUIRED'],
    ["Apollo's automatic persisted query registering a new document", { query: '{ securityEvents { totalCount } }', extensions: { persistedQuery: { version: 1, sha256Hash: sha('{ securityEvents { totalCount } }') } } }, 'PERSISTED_DOCUMENT_NOT_FOUND'],
    ['introspection', { query: '{ __schema { queryType { name } } }' }, 'PERSISTED_DOCUMENT_REQUIRED'],
  ])('refuses %s (HTTP 400) with no PVWA call', async (_what, body, code) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(refused(code));
    expect(eventCalls(h.sim)).toEqual([]);
  });

  it('applies the same rule over WebSocket: queries and subscriptions by id run, an untrusted subscription is refused', async () => {
    const untrusted = await overSocket(h, { query: 'subscription { securityEventChanged { kind } }' });
    expect(untrusted).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } }] });
    // A subscription named by id sees the change a mutation named by id makes.
    const id = h.sim.openEventId()!;
    const change = overSocket(h, { query: '', documentId: sha(CHANGED) });
    // Its first live poll says it is registered.
    await h.sim.received(1, (request) => String(request.headers['x-request-id']).startsWith('live-'));
    const closed = await post({ documentId: sha(CLOSE), variables: { id } });
    expect(await closed.json()).toEqual({ data: { updateEventStatus: { id, status: 'CLOSED' } } });
    expect(await change).toEqual({ data: { securityEventChanged: { kind: 'UPDATED', event: { id } } } });
    const query = await overSocket(h, { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha(COUNT) } } });
    expect(query).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    const byId = await overSocket(h, { query: '', documentId: `sha256:${sha(COUNT)}` });
    expect(byId).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });

  it('names the document in the log line and in metrics', async () => {
    const counted = `pta_gateway_trusted_documents_total{document="${sha(COUNT)}",operation="Count",outcome="OK"}`;
    const before = await metric(h, counted);
    await post({ documentId: sha(COUNT) });
    const line = h.logs.filter((entry) => entry.msg === 'graphql request' && entry.documentId === sha(COUNT)).at(-1);
    expect(line).toMatchObject({ operationName: 'Count', outcome: 'OK' });
    expect(await metric(h, counted)).toBe(before + 1);
  });

  it('serves no GraphQL IDE', async () => {
    // A browser's navigation (where the IDE would be served) gets Apollo Server's normal answer.
    const page = await fetch(h.gateway.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBeNull();
    const body = (await page.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
  });
});

describe("Apollo's manifest format", () => {
  it('resolves its operations by id', async () => {
    const h = await startHarness({ env: { TRUSTED_DOCUMENTS: APOLLO } });
    try {
      const response = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: JSON.stringify({ documentId: sha(COUNT) }) });
      expect(await response.json()).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    } finally {
      await h.close();
    }
  });
});

describe('allow mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TRUSTED_DOCUMENTS: CODEGEN, TRUSTED_DOCUMENTS_MODE: 'allow' } });
  });
  afterAll(() => h.close());

  it('resolves ids, and still runs any document (a migration)', async () => {
    expect((await h.gql('{ securityEvents(first: 2) { totalCount } }')).body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
    const response = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: JSON.stringify({ documentId: sha(COUNT) }) });
    expect(await response.json()).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });

  it("refuses an unknown documentId, and leaves an unknown Apollo hash to Apollo's automatic persisted queries", async () => {
    const unknown = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: JSON.stringify({ documentId: 'c'.repeat(64) }) });
    expect(await unknown.json()).toEqual(refused('PERSISTED_DOCUMENT_NOT_FOUND'));
    const apq = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'd'.repeat(64) } } }) });
    expect(((await apq.json()) as Json).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('a manifest that does not hold', () => {
  it.each([
    ['not JSON', manifest('broken.json', '{ nope'), 'it is not JSON'],
    ['a wrong hash', manifest('hash.json', { ['0'.repeat(64)]: COUNT }), `the id ${'0'.repeat(64)} is not the SHA-256 of its document (that is ${sha(COUNT)})`],
    ['an invalid document', manifest('invalid.json', { [sha('{ nope }')]: '{ nope }' }), `the document ${sha('{ nope }')} does not validate against the schema: Cannot query field "nope" on type "Query".`],
    ['no document', manifest('empty.json', {}), 'it holds no document'],
  ])('stops the start (%s), naming the variable and the file', async (_what, path, problem) => {
    await expect(startHarness({ env: { TRUSTED_DOCUMENTS: path } })).rejects.toThrow(`Invalid trusted documents: TRUSTED_DOCUMENTS (${path}): ${problem}.`);
  });
});
