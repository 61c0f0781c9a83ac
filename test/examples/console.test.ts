import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, getOperationAST, parse, validate } from 'graphql';
import { WebSocket } from 'ws';
import { ConnectionClosedError, TriageConsole, type DocumentDelivery } from '../../examples/console/src/client.js';
import { describeEvent, runTriage, type TriageOptions } from '../../examples/console/src/flow.js';
import { PERSISTED_DOCUMENTS_PATH, readPersistedDocuments } from '../../examples/console/src/manifest.js';
import { loadTypeDefs } from '../../src/graph/schema.js';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';
import { LIST } from '../support/sessions.js';

// The typed client example (examples/console/): its flow end to end over real HTTP and a real
// WebSocket against the gateway and the simulator in-process, and the documents and manifest its
// codegen produced (`npm run codegen:example`, which `npm test` runs first).

type Json = Record<string, any>;

const REASON = 'False positive: a known admin station';
const OPTIONS: Omit<TriageOptions, 'log'> = { username: 'demo', password: 'demo', pageSize: 5, pages: 2, closeReason: 'NOT_REAL', reasonText: REASON, changeTimeoutMs: 10_000 };
const OPERATIONS = ['CloseEvent', 'EventChanged', 'Logoff', 'Logon', 'OpenEvents'];

/** The event as the example's TriageEvent fragment must show it, from the simulator's PVWA JSON. */
const expected = (raw: Json): Json => ({
  __typename: 'SecurityEvent',
  id: raw.id,
  type: raw.type,
  score: raw.score,
  status: raw.mStatus,
  createTime: new Date(raw.createTime).toISOString(),
  lastUpdateTime: new Date(raw.lastUpdateTime).toISOString(),
  closeReason: null,
  reasonText: null,
  audits: raw.audits.map((audit: Json) => ({
    __typename: 'Audit',
    action: audit.action,
    vaultUser: audit.vaultUser ?? null,
    source: { __typename: 'NetworkAddress', originalAddress: audit.source.mOriginalAddress },
  })),
});

// Each way the example can send its documents, with the gateway settings it needs: as text to a
// gateway without a manifest, and by id to one that runs only the example's generated manifest.
const MODES: Array<{ documents: DocumentDelivery; env: Record<string, string> }> = [
  { documents: 'text', env: {} },
  { documents: 'ids', env: { TRUSTED_DOCUMENTS: PERSISTED_DOCUMENTS_PATH, TRUSTED_DOCUMENTS_MODE: 'enforce' } },
];

describe.each(MODES)('the triage flow, documents sent as $documents', ({ documents, env }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env, logLevel: 'info' });
  });
  afterAll(() => h.close());

  it('logs on, lists the open events page by page, closes the newest, sees the change live, logs off', async () => {
    const open = h.sim.eventsOf(DEMO_TOKEN).filter((event) => event.mStatus === 'OPEN').map((event) => structuredClone(event) as Json);
    expect(open.length).toBeGreaterThan(10);
    const lines: string[] = [];
    const client = new TriageConsole({ url: h.gateway.url, documents, webSocketImpl: WebSocket });
    let report;
    try {
      report = await runTriage(client, { ...OPTIONS, log: (line) => lines.push(line) });
    } finally {
      await client.dispose();
    }

    // Two pages of five, newest first, exactly as the simulator holds them.
    const [first, second] = report.pages;
    expect(report.pages).toHaveLength(2);
    expect(first.totalCount).toBe(open.length);
    expect(first.nodes).toEqual(open.slice(0, 5).map(expected));
    expect(first.pageInfo).toEqual({ __typename: 'PageInfo', hasNextPage: true, endCursor: expect.any(String) });
    expect(second.totalCount).toBe(open.length);
    expect(second.nodes).toEqual(open.slice(5, 10).map(expected));
    expect(second.pageInfo).toEqual({ __typename: 'PageInfo', hasNextPage: true, endCursor: expect.any(String) });

    // The newest open event closed with the reason, as the PVWA stored it.
    const target = open[0];
    const stored = h.sim.eventsOf(DEMO_TOKEN).find((event) => event.id === target.id)!;
    expect(stored).toMatchObject({ mStatus: 'CLOSED', closeReason: 'NOTREAL', reasonText: REASON });
    expect(report.closed).toEqual({
      ...expected(target),
      status: 'CLOSED',
      closeReason: 'NOT_REAL',
      reasonText: REASON,
      lastUpdateTime: new Date(stored.lastUpdateTime as number).toISOString(),
    });
    const patches = eventCalls(h.sim, 'PATCH');
    expect(patches.map((call) => [call.path, JSON.parse(call.body)])).toEqual([
      [`/PasswordVault/API/pta/API/Events/${target.id}`, { mStatus: 'CLOSED', closeReason: 'NOTREAL', reasonText: REASON }],
    ]);

    // The subscription heard of it at once, as UPDATED, with the event as closed.
    expect(report.change).toEqual({ __typename: 'SecurityEventChange', kind: 'UPDATED', event: report.closed });

    // Logged off: the PVWA ended the session the flow used, and no longer takes its token.
    expect(report.loggedOff).toBe(true);
    const token = patches[0].headers.authorization as string;
    expect(token).not.toBe(DEMO_TOKEN);
    const logoffs = h.sim.requests.filter((r) => /\/api\/auth\/logoff/i.test(r.path));
    expect(logoffs.map((r) => r.headers.authorization)).toEqual([token]);
    // (By the manifest's own document where only those run.)
    const openEvents = Object.entries(readPersistedDocuments()).find(([, text]) => text.includes('query OpenEvents'))![0];
    const after = documents === 'ids'
      ? { body: await (await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: JSON.stringify({ documentId: openEvents, variables: { first: 1 } }) })).json() as Json }
      : await h.gql(LIST, {}, { token });
    expect(after.body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', pvwaErrorCode: 'PASWS006E' });

    // One request per step, each with its operation's name; the subscription over the WebSocket.
    const requests = h.logs.filter((line) => line.msg === 'graphql request' && line.operationName !== null);
    expect(requests.map((line) => `${line.operationType} ${line.operationName} ${line.outcome}`).sort()).toEqual([
      'mutation CloseEvent OK',
      'mutation Logoff OK',
      'mutation Logon OK',
      'query OpenEvents OK',
      'query OpenEvents OK',
      // The dead token's check above, where it went by the manifest's document.
      ...(documents === 'ids' ? ['query OpenEvents UNAUTHENTICATED'] : []),
      'subscription EventChanged OK',
    ]);

    // What it printed.
    expect(lines).toEqual([
      `logon: demo is logged on; documents are sent as ${documents === 'ids' ? 'ids (sha256 of the manifest)' : 'text'}`,
      'watch: subscribed to securityEventChanged over the WebSocket',
      `page 1: 5 of ${open.length} open events, more follow`,
      ...first.nodes.map((event) => `  ${describeEvent(event)}`),
      `page 2: 5 of ${open.length} open events, more follow`,
      ...second.nodes.map((event) => `  ${describeEvent(event)}`),
      `close: ${target.id} is CLOSED (NOT_REAL: "${REASON}")`,
      `live: UPDATED ${target.id} CLOSED`,
      'logoff: the session has ended',
    ]);
  });
});

describe("the example's documents", () => {
  const manifest = readPersistedDocuments();
  const schema = buildSchema(loadTypeDefs());

  it('has a manifest of its five operations, each keyed by the SHA-256 of its text and valid against schema/', () => {
    expect(PERSISTED_DOCUMENTS_PATH).toMatch(/examples\/console\/src\/gql\/persisted-documents\.json$/);
    const names = Object.entries(manifest).map(([hash, text]) => {
      expect(createHash('sha256').update(text).digest('hex')).toBe(hash);
      const document = parse(text);
      expect(validate(schema, document)).toEqual([]);
      return getOperationAST(document)?.name?.value;
    });
    expect(names.sort()).toEqual(OPERATIONS);
  });

  describe('sent as ids', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(() => h.close());

    it('names each document by its manifest hash over HTTP and the WebSocket, and never sends its text', async () => {
      const http: Json[] = [];
      const ws: Json[] = [];
      const recording: typeof fetch = (input, init) => {
        http.push(JSON.parse(String(init?.body)));
        return fetch(input, init);
      };
      class RecordingSocket extends WebSocket {
        override send(data: string, ...rest: unknown[]): void {
          ws.push(JSON.parse(data));
          (super.send as (...args: unknown[]) => void)(data, ...rest);
        }
      }
      // This gateway has no manifest (no TRUSTED_DOCUMENTS: the flow above runs against one that
      // has), so it knows none of the ids: each call is refused after it was sent, which is what
      // this test records. Over HTTP Apollo's answer to an unknown hash; over the WebSocket the
      // empty `query` does not parse.
      const unknown = /PersistedQueryNotFound/;
      await expect(new TriageConsole({ url: h.gateway.url, documents: 'ids', fetch: recording }).logon('demo', 'demo')).rejects.toThrow(unknown);
      const client = new TriageConsole({ url: h.gateway.url, documents: 'ids', fetch: recording, webSocketImpl: RecordingSocket, token: DEMO_TOKEN });
      await expect(client.openEvents(5, 'e1:cursor')).rejects.toThrow(unknown);
      await expect(client.close('6954b24ce298ba95309fecf7', 'HANDLED', 'Handled')).rejects.toThrow(unknown);
      const watch = client.watch({ minScore: 50 });
      await expect(watch.next()).rejects.toThrow(/Syntax Error: Unexpected <EOF>/);
      await expect(client.logoff()).rejects.toThrow(unknown);
      await client.dispose();

      const named = (operationName: string): string => {
        const hash = Object.keys(manifest).find((key) => getOperationAST(parse(manifest[key]))?.name?.value === operationName);
        if (!hash) throw new Error(`${operationName} is not in the manifest`);
        return hash;
      };
      const persisted = (operationName: string) => ({ version: 1, sha256Hash: named(operationName) });
      expect(http.map(({ extensions, ...body }) => ({ ...body, persistedQuery: extensions?.persistedQuery }))).toEqual([
        { operationName: 'Logon', variables: { input: { username: 'demo', password: 'demo', delivery: 'TOKEN' } }, persistedQuery: persisted('Logon') },
        { operationName: 'OpenEvents', variables: { first: 5, after: 'e1:cursor' }, persistedQuery: persisted('OpenEvents') },
        { operationName: 'CloseEvent', variables: { id: '6954b24ce298ba95309fecf7', closeReason: 'HANDLED', reasonText: 'Handled' }, persistedQuery: persisted('CloseEvent') },
        { operationName: 'Logoff', variables: {}, persistedQuery: persisted('Logoff') },
      ]);
      // graphql-ws requires `query` to be a string: an empty one, with the id beside it.
      expect(ws.filter((message) => message.type === 'subscribe').map((message) => message.payload)).toEqual([
        { query: '', operationName: 'EventChanged', variables: { filter: { minScore: 50 } }, extensions: { persistedQuery: persisted('EventChanged') } },
      ]);
    });
  });
});

describe('a watch whose session the gateway refuses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('ends with the close code, 4401, and its reason', async () => {
    const client = new TriageConsole({ url: h.gateway.url, webSocketImpl: WebSocket, token: 'not-a-session' });
    const watch = client.watch();
    try {
      const error = await watch.next().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error).toMatchObject({ code: 4401, reason: 'Unauthorized: the PVWA did not accept the session token' });
      await expect(watch.ready).rejects.toBe(error);
    } finally {
      await client.dispose();
    }
  });
});
