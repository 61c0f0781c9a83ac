import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { prng } from '../../src/simulator/data.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * 1,200 malformed or hostile requests, all carrying a valid token: every answer must be a 4xx,
 * or a GraphQL error with a code; never a 5xx, never a crash; and since the gateway must refuse
 * each of them itself, the PVWA must never be called.
 */

interface Case {
  kind: string;
  method?: string;
  contentType?: string | null;
  body: string;
  query?: string;
}

const random = prng(424242);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)];
const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(int(0x2fff))).join('');
const FORBIDDEN = [' ', '+', '&', '%', '/', '\\', '?', '#', '\t', '\n', '\u0000', '\u007f'];
const OPS = [
  'mutation($id: ID!, $status: EventStatus!, $closeReason: CloseReason, $reasonText: String) { updateEventStatus(id: $id, status: $status, closeReason: $closeReason, reasonText: $reasonText) { id } }',
  'query($id: ID!) { securityEvent(id: $id) { id } }',
  'query($first: Int, $after: String, $filter: SecurityEventFilter) { securityEvents(first: $first, after: $after, filter: $filter) { totalCount } }',
];
/** The respond operations that take an id (schema/respond.graphql). */
const ID_OPS = [
  'query($id: ID!) { vaultAccount(id: $id) { id } }',
  'mutation($id: ID!) { requestCredentialsAction(accountId: $id, action: CHANGE) { accountId } }',
  'mutation($id: ID!) { controlLiveSession(sessionId: $id, action: TERMINATE) { sessionId } }',
];
const json = (query: unknown, variables?: unknown) => JSON.stringify({ query, variables });

const GENERATORS: Array<() => Case> = [
  () => ({ kind: 'bad JSON', body: pick(['{', '{"query":', '[1,', 'nul', '{"query":"{ __typename }"', '\u0000\u0001', junk(40)]) + junk(int(10)) }),
  () => ({ kind: 'wrong content type', contentType: pick(['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/xml', null]), body: json('{ securityEvents { totalCount } }') }),
  () => ({ kind: 'not a GraphQL request', body: JSON.stringify(pick([null, 1, 'query', [], {}, { query: 5 }, { query: null }, { query: '{ __typename }', variables: 'x' }, { query: '{ __typename }', extensions: 7 }, { operationName: 3, query: '{ __typename }' }])) }),
  () => ({ kind: 'huge string', body: json(OPS[0], { id: 'a'.repeat(129 + int(20000)), status: 'OPEN' }) }),
  () => ({ kind: 'huge reasonText', body: json(OPS[0], { id: 'abc', status: 'CLOSED', reasonText: junk(101 + int(3000)) }) }),
  () => ({ kind: 'deep nesting', body: json('{ securityEvents { '.repeat(20 + int(300)) + '}'.repeat(int(300))) }),
  () => ({ kind: 'deep JSON variables', body: `{"query":${JSON.stringify(OPS[1])},"variables":{"id":${'['.repeat(1000 + int(5000))}` }),
  () => ({ kind: 'alias bomb', body: json(`{ ${Array.from({ length: 16 + int(200) }, (_, i) => `a${i}: securityEvent(id: "5f14495ce4b0ba4baf5efd8${i % 10}") { id }`).join(' ')} }`) }),
  () => ({ kind: 'fragment cycle', body: json('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }') }),
  () => ({ kind: 'invalid enum', body: json(OPS[0], { id: 'abc', status: pick(['open', 'Closed', 'DONE', '', 1, null, ['OPEN']]) }) }),
  () => ({ kind: 'invalid closeReason', body: json(OPS[0], { id: 'abc', status: 'CLOSED', closeReason: pick(['NOTREAL', 'handled', 'X', 3]) }) }),
  () => ({ kind: 'invalid enum literal', body: json(`mutation { updateEventStatus(id: "abc", status: ${pick(['open', 'DONE', '"OPEN"', '1'])}) { id } }`) }),
  () => {
    const c = pick(FORBIDDEN);
    const id = pick([`5f14${c}95ce`, `${c}`, `a${c}`.repeat(1 + int(3)), '.', '..', '']);
    return { kind: 'forbidden id', body: json(pick([...OPS.slice(0, 2), ...ID_OPS]), { id, status: 'CLOSED' }) };
  },
  () => ({ kind: 'forbidden accountId', body: json(OPS[2], { filter: { accountId: `27_3${pick(FORBIDDEN)}` } }) }),
  () => ({ kind: 'wrong variable types', body: json(pick(OPS.slice(0, 2)), pick([{ id: 5.5, status: 'OPEN' }, { id: { a: 1 }, status: 'OPEN' }, { id: null, status: 'OPEN' }, { id: true }, {}])) }),
  () => ({ kind: 'wrong filter types', body: json(OPS[2], pick([{ first: 'ten' }, { first: 1.5 }, { filter: { minScore: 'high' } }, { filter: { updatedSince: 'yesterday' } }, { filter: { updatedSince: 1595165020000 } }, { filter: { types: [1, {}] } }, { filter: { status: 'open' } }, { filter: { unknown: 1 } }, { filter: [] }])) }),
  () => ({ kind: 'first out of range', body: json(OPS[2], { first: pick([0, -1, 501, 2 ** 31, -(2 ** 31)]) }) }),
  () => ({ kind: 'bad cursor', body: json(OPS[2], { after: pick(['', 'x', junk(30), Buffer.from(junk(20)).toString('base64url'), 'ZTE6eDp5', '=='.repeat(300)]) }) }),
  () => ({ kind: 'random document', body: json(junk(int(200))) }),
  () => ({ kind: 'random GraphQL-ish document', body: json(Array.from({ length: int(30) }, () => pick(['{', '}', '(', ')', 'query', 'mutation', 'securityEvent', 'id', ':', '$x', '"s"', '...', 'on', '@skip', '[', ']', '!', '=', 'fragment'])).join(' ')) }),
  () => ({ kind: 'unknown field', body: json(`{ ${pick(['nope', 'securityEvent', 'securityEvents { nodes { secret } }', '__schema { nope }'])} }`) }),
  () => ({ kind: 'bad method', method: pick(['PUT', 'DELETE', 'PATCH']), body: json('{ __typename }') }),
  () => ({ kind: 'GET without preflight', method: 'GET', contentType: null, body: '', query: `?query=${encodeURIComponent(pick(OPS))}&variables=${encodeURIComponent('{"id":"a b"}')}` }),
  () => ({ kind: 'GET mutation', method: 'GET', contentType: 'application/json', body: '', query: `?query=${encodeURIComponent('mutation { updateEventStatus(id: "abc", status: OPEN) { id } }')}` }),
  () => ({ kind: 'oversized body', body: json('{ __typename }', { pad: 'x'.repeat(70_000) }) }),
  () => ({ kind: 'unknown operation name', body: JSON.stringify({ query: 'query A { __typename } query B { __typename }', operationName: pick(['C', '', null]) }) }),
];

describe('fuzz: malformed and hostile requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('answers 1,200 of them with a 4xx or a coded GraphQL error, and never calls the PVWA', async () => {
    const cases: Case[] = Array.from({ length: 1200 }, (_, i) => GENERATORS[i % GENERATORS.length]());
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (let i = 0; i < cases.length; i += 24) {
      await Promise.all(
        cases.slice(i, i + 24).map(async (c) => {
          const method = c.method ?? 'POST';
          const headers: Record<string, string> = { authorization: 'demo-token' };
          if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
          const response = await fetch(h.gateway.url + (c.query ?? ''), { method, headers, body: method === 'GET' ? undefined : c.body });
          const text = await response.text();
          kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
          if (response.status >= 500) return failures.push(`${c.kind}: HTTP ${response.status} ${text.slice(0, 200)}`);
          if (response.status >= 400) return;
          let errors: Array<{ extensions?: { code?: unknown } }> | undefined;
          try {
            errors = (JSON.parse(text) as { errors?: typeof errors }).errors;
          } catch {
            return failures.push(`${c.kind}: HTTP ${response.status} with a body that is not JSON`);
          }
          if (!errors?.length || !errors.every((e) => typeof e.extensions?.code === 'string')) {
            failures.push(`${c.kind}: HTTP ${response.status} without a coded error: ${text.slice(0, 200)}`);
          }
        }),
      );
    }
    expect(failures).toEqual([]);
    expect(kinds.size).toBe(GENERATORS.length);
    expect(h.sim.requests).toHaveLength(0);
    // Still serving.
    const { body } = await h.gql('{ securityEvents(first: 1) { totalCount } }');
    expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });
});
