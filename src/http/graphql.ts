import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createContext, type ContextDeps } from '../context.js';
import { renderedAnswers, type RenderedRequest } from '../events/rendered-answers.js';
import type { SnapshotReadMark } from '../events/sources.js';
import type { GraphContext } from '../graph/context.js';
import type { TrustedDocuments } from '../graph/trusted-documents.js';
import { credentialsFrom, sessionKey } from '../sessions/credentials.js';
import type { RequestRecord, Telemetry } from '../telemetry/record.js';
import { CLIENT_ABORTED, header, readBody, sendJson } from './body.js';

/** The status a request's log line shows when the client went away before its answer was written (nginx's 499). */
const CLIENT_CLOSED_STATUS = 499;

/**
 * The /graphql route: the HTTP request to Apollo Server and back. The request record is begun
 * here and ended when the answer closes ('close', not 'finish': an answer cut short by the client
 * or by shutdown is logged and counted too). The resolvers' Set-Cookie values (the session
 * cookie) are written with Apollo's answer. A JSON POST of a session may be answered from the
 * session's rendered answers (events/rendered-answers.ts): Apollo's CSRF rule lets those through.
 */
export function graphqlRoute(options: {
  apollo: ApolloServer<GraphContext>;
  deps: ContextDeps;
  telemetry: Telemetry;
  maxRequestBytes: number;
  /** Time the client has to read a whole answer once it is written (HTTP_WRITE_TIMEOUT_MS). */
  writeTimeoutMs: number;
  /** The manifest of trusted documents (TRUSTED_DOCUMENTS), when there is one. */
  trusted?: TrustedDocuments;
}) {
  const { apollo, deps, telemetry, maxRequestBytes, writeTimeoutMs, trusted } = options;
  /**
   * Ends the answer with `body`. A client that has not read all of it within the write timeout is
   * cut off: its answer no longer holds memory (nor its room in the answer budget).
   */
  const send = (res: ServerResponse, record: RequestRecord, body: string | Buffer) => {
    res.end(body);
    if (res.writableFinished) return;
    const timer = setTimeout(() => {
      record.failed('WRITE_TIMEOUT');
      res.destroy();
    }, writeTimeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record = telemetry.begin(header(req, 'x-request-id'), { http: req });
    res.setHeader('x-request-id', record.requestId);
    res.once('close', () => {
      // Closed before the answer was all written: the client went away (a client outcome), or
      // read too slowly and was cut off (WRITE_TIMEOUT, set first).
      if (!res.writableFinished) record.failed('CLIENT_ABORTED');
      record.end(res.writableFinished ? res.statusCode : CLIENT_CLOSED_STATUS);
    });
    const read = await readBody(req, res, maxRequestBytes);
    if (read === CLIENT_ABORTED) return void res.destroy();
    if (read === undefined) return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    let search = queryAt === -1 ? '' : url.slice(queryAt);
    let body = read.body;
    if (trusted) {
      // The document the request names, before Apollo sees it (the same rule over WebSocket).
      const named = namedDocument(trusted, search, body);
      if (named instanceof GraphQLError) {
        record.failed(String(named.extensions.code));
        return sendJson(res, 400, { errors: [{ message: named.message, extensions: { code: named.extensions.code } }] });
      }
      if (named.documentId !== null) record.trustedDocument(named.documentId);
      ({ search, body } = named);
    }
    const responseCookies: string[] = [];
    const credentials = credentialsFrom((cookie) => deps.logons.fromCookie(cookie), header(req, 'authorization'), header(req, 'cookie'));
    let rendered: RenderedRequest | null = null;
    let snapshotReads: SnapshotReadMark[] | undefined;
    let session: string | undefined;
    if (deps.snapshotReads && read.json !== undefined && credentials.token !== null && req.method === 'POST') {
      snapshotReads = [];
      session = sessionKey(credentials.token);
      rendered = renderedAnswers(deps.store, session, `${header(req, 'accept') ?? ''}\n${read.json}`, snapshotReads, record);
    }
    const context = createContext(deps, credentials, record, { responseCookies, snapshotReads, clientAddress: req.socket.remoteAddress, sessionKey: session });
    const kept = rendered && (await rendered.find(() => context.loaders.events.load({})));
    if (kept) {
      for (const [key, value] of kept.headers) res.setHeader(key, value);
      res.statusCode = 200;
      send(res, record, kept.body);
      return;
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search,
        body,
      },
      context: async () => context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (responseCookies.length > 0) res.setHeader('set-cookie', responseCookies);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      const body = response.body.string;
      record.answerRendered(body.length);
      rendered?.keep(response.status ?? 200, response.headers, body, responseCookies.length > 0);
      send(res, record, body);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/**
 * The request with the document it names resolved by the manifest: a POST body's, or a GET's
 * query string's `documentId` or `extensions.persistedQuery`, replaced by the document's text as
 * `query` (what Apollo reads); the refusal when it names none the manifest holds, or (enforce) its
 * text is not a trusted document's.
 */
function namedDocument(trusted: TrustedDocuments, search: string, body: unknown): { search: string; body: unknown; documentId: string | null } | GraphQLError {
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { search, body, documentId: null };
    const { documentId: _named, ...rest } = body as Record<string, unknown>;
    const resolved = trusted.resolve(body as Record<string, unknown>);
    if (resolved instanceof GraphQLError) return resolved;
    return { search, body: resolved.query === undefined ? rest : { ...rest, query: resolved.query }, documentId: resolved.documentId };
  }
  const params = new URLSearchParams(search);
  let extensions: unknown;
  try {
    extensions = params.has('extensions') ? JSON.parse(params.get('extensions') as string) : undefined;
  } catch {
    extensions = undefined;
  }
  const resolved = trusted.resolve({ query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions });
  if (resolved instanceof GraphQLError) return resolved;
  params.delete('documentId');
  if (resolved.query !== undefined) params.set('query', resolved.query);
  return { search: params.size > 0 ? `?${params}` : '', body, documentId: resolved.documentId };
}
