import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { CSRF_SERVED_HEADER } from '../apollo.js';
import { GraphQLError } from 'graphql';
import { createContext, type ContextDeps } from '../context.js';
import { ONE_TIME_FORMS, renderedAnswers, type AnswerForms, type RenderedRequest } from '../events/rendered-answers.js';
import type { SnapshotReadMark } from '../events/sources.js';
import type { GraphContext } from '../graph/context.js';
import type { TrustedDocuments } from '../graph/trusted-documents.js';
import { credentialsFrom, sessionKey } from '../sessions/credentials.js';
import type { RequestRecord, Telemetry } from '../telemetry/record.js';
import { CLIENT_ABORTED, header, readBody, sendJson } from './body.js';
import { bodyHash, cachingHeaders, NO_STORE } from './caching.js';
import { outgoingBody } from './compression.js';
import { CSRF_MESSAGE, csrfVerdict } from './csrf.js';

/** The status a request's log line shows when the client went away before its answer was written (nginx's 499). */
const CLIENT_CLOSED_STATUS = 499;

/**
 * The /graphql route: the HTTP request to Apollo Server and back. The request record is begun
 * here and ended when the answer closes ('close', not 'finish': an answer cut short by the client
 * or by shutdown is logged and counted too). In order: the body is read, CSRF prevention decides
 * (csrf.ts), the session's rendered answers may answer a query (events/rendered-answers.ts), else
 * Apollo runs it; the resolvers' Set-Cookie values (the session cookie) are written with the
 * answer, which gets its caching headers (caching.ts: ETag and 304 for GET) and is compressed
 * (compression.ts).
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
  /** Whether a browser page of this Origin may call (CORS_ORIGINS). */
  allowsOrigin: (origin: string) => boolean;
  /** Whether answers are compressed (COMPRESSION). */
  compression: boolean;
}) {
  const { apollo, deps, telemetry, maxRequestBytes, writeTimeoutMs, trusted, allowsOrigin, compression } = options;
  /**
   * Ends the answer with `body`. A client that has not read all of it within the write timeout is
   * cut off: its answer no longer holds memory (nor its room in the answer budget).
   */
  const send = (res: ServerResponse, record: RequestRecord, body: Buffer) => {
    res.setHeader('content-length', body.length);
    res.end(body);
    if (res.writableFinished) return;
    const timer = setTimeout(() => {
      record.failed('WRITE_TIMEOUT');
      res.destroy();
    }, writeTimeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  };
  /** Sends a whole answer: its caching headers, then 304 without a body, or its body compressed or not. */
  const deliver = async (req: IncomingMessage, res: ServerResponse, record: RequestRecord, status: number, body: Buffer, forms: AnswerForms) => {
    res.statusCode = status;
    const outgoing = outgoingBody(req, res, body, forms, compression);
    if (cachingHeaders(req, res, status, () => forms.hash(() => bodyHash(body)), outgoing.encoding)) {
      res.statusCode = 304;
      for (const name of ['content-type', 'content-length']) res.removeHeader(name);
      res.end();
      return;
    }
    const made = outgoing.bytes();
    const bytes = Buffer.isBuffer(made) ? made : await made;
    if (outgoing.encoding !== null) res.setHeader('content-encoding', outgoing.encoding);
    send(res, record, bytes);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record = telemetry.begin(header(req, 'x-request-id'), { http: req });
    res.setHeader('x-request-id', record.requestId);
    res.setHeader('cache-control', NO_STORE);
    res.once('close', () => {
      // Closed before the answer was all written: the client went away (a client outcome), or
      // read too slowly and was cut off (WRITE_TIMEOUT, set first).
      if (!res.writableFinished) record.failed('CLIENT_ABORTED');
      record.end(res.writableFinished ? res.statusCode : CLIENT_CLOSED_STATUS);
    });
    const read = await readBody(req, res, maxRequestBytes);
    if (read === CLIENT_ABORTED) return void res.destroy();
    if (read === undefined) return;
    // Before anything that could call the PVWA.
    const csrf = csrfVerdict(req, allowsOrigin);
    if (csrf.pass === false) {
      telemetry.blocked('csrf', csrf.reason, header(req, 'origin'), { method: req.method, secFetchSite: header(req, 'sec-fetch-site') ?? null });
      return sendJson(res, 400, { errors: [{ message: CSRF_MESSAGE, extensions: { code: 'BAD_REQUEST' } }] });
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined && key !== CSRF_SERVED_HEADER) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    if (csrf.pass === 'browser') headers.set(CSRF_SERVED_HEADER, '1');
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    let search = queryAt === -1 ? '' : url.slice(queryAt);
    let body = read.body;
    // What makes two requests the same: a JSON POST's body, a GET's query string, as sent.
    const same = req.method === 'POST' ? read.json : req.method === 'GET' && search !== '' ? search : undefined;
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
    if (deps.snapshotReads && same !== undefined && credentials.token !== null) {
      snapshotReads = [];
      session = sessionKey(credentials.token);
      rendered = renderedAnswers(deps.store, session, `${header(req, 'accept') ?? ''}\n${same}`, snapshotReads, record);
    }
    const context = createContext(deps, credentials, record, { responseCookies, snapshotReads, clientAddress: req.socket.remoteAddress, origin: header(req, 'origin'), sessionKey: session });
    const kept = rendered && (await rendered.find(() => context.loaders.events.load({})));
    if (kept) {
      for (const [key, value] of kept.headers) res.setHeader(key, value);
      return deliver(req, res, record, 200, kept.body, rendered!.forms(kept));
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search, body },
      context: async () => context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (responseCookies.length > 0) res.setHeader('set-cookie', responseCookies);
    const status = response.status ?? 200;
    if (response.body.kind === 'complete') {
      const bytes = Buffer.from(response.body.string, 'utf8');
      record.answerRendered(bytes.length);
      const keptNow = rendered?.keep(status, response.headers, bytes, responseCookies.length > 0);
      return deliver(req, res, record, status, bytes, keptNow ? rendered!.forms(keptNow) : ONE_TIME_FORMS);
    }
    res.statusCode = status;
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
