import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { createContext, credentialsFrom, type ContextDeps, type GraphContext } from '../context.js';
import type { Telemetry } from '../telemetry/record.js';
import { header, readBody } from './body.js';

/**
 * The /graphql route: the HTTP request to Apollo Server and back. The request record is begun
 * here and ended when the answer closes ('close', not 'finish': an answer cut short by the client
 * or by shutdown is logged and counted too); in between only Apollo's plugin and the PVWA client
 * write to it. The resolvers' Set-Cookie values (the session cookie) are written with Apollo's answer.
 */
export function graphqlRoute(options: {
  apollo: ApolloServer<GraphContext>;
  deps: ContextDeps;
  telemetry: Telemetry;
  maxRequestBytes: number;
}) {
  const { apollo, deps, telemetry, maxRequestBytes } = options;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record = telemetry.begin(header(req, 'x-request-id'));
    res.setHeader('x-request-id', record.requestId);
    res.once('close', () => record.end(res.statusCode));
    const read = await readBody(req, res, maxRequestBytes);
    if (read === undefined) return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const responseCookies: string[] = [];
    const context = createContext(deps, credentialsFrom(deps.sessions, header(req, 'authorization'), header(req, 'cookie')), record, { responseCookies });
    const rendered = renderedAnswers(deps, context, req, read.json);
    if (rendered && (await rendered.serve(res))) return;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: queryAt === -1 ? '' : url.slice(queryAt),
        body: read.body,
      },
      context: async () => context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (responseCookies.length > 0) res.setHeader('set-cookie', responseCookies);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      rendered?.keep(response.status ?? 200, response.headers, response.body.string, responseCookies.length > 0);
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/**
 * Answers rendered from a session's snapshot, served again while the snapshot has not changed.
 *
 * A triage screen polls the same query; once the session's snapshot holds the events, most polls
 * find nothing new upstream, and the answer would be the same bytes. So: the request still makes
 * its one upstream GET with the caller's token, started after it arrived (the freshness rule, and
 * the PVWA authorises every read), and when the snapshot's version is the one an earlier answer to
 * the very same request (body and Accept header) of the very same session was rendered from, that
 * answer is sent again, without executing or serialising anything. Kept in the session's snapshot
 * store (keyed by the token's hash, counted in the snapshot budget, dropped with the session), so
 * it never reaches another session. Only queries without errors, that read exactly the whole-list
 * snapshot and set no cookie, are kept. A JSON POST only: Apollo's CSRF rule lets those through.
 */
function renderedAnswers(deps: ContextDeps, context: GraphContext, req: IncomingMessage, json: string | undefined) {
  const session = context.sessionId();
  if (!deps.snapshotReads || json === undefined || session === null || req.method !== 'POST') return null;
  const request = `${header(req, 'accept') ?? ''}\n${json}`;
  const { store } = deps;
  return {
    /** Sends the kept answer when it is still exact; the snapshot read then serves Apollo too. */
    async serve(res: ServerResponse): Promise<boolean> {
      const kept = store.rendered(session, undefined, request);
      if (!kept) return false;
      // The request's own read (one GET); on failure Apollo answers with the loader's error.
      const fresh = await context.loaders.events.load({}).then(
        () => context.snapshotReads.at(-1),
        () => undefined,
      );
      if (fresh?.version !== kept.version) return false;
      context.record.rendered = true;
      context.record.operationName = kept.operationName;
      context.record.operationType = kept.operationType;
      for (const [key, value] of kept.headers) res.setHeader(key, value);
      res.statusCode = 200;
      res.end(kept.body);
      return true;
    },
    /** Keeps an answer Apollo rendered, when it may be served again. */
    keep(status: number, headers: Iterable<[string, string]>, body: string, setsCookie: boolean): void {
      const { record, snapshotReads } = context;
      if (status !== 200 || setsCookie || record.outcome !== 'OK' || record.operationType !== 'query') return;
      if (snapshotReads.length !== 1 || snapshotReads[0].accountId !== undefined) return;
      store.remember(session, undefined, request, {
        version: snapshotReads[0].version,
        body: Buffer.from(body, 'utf8'),
        headers: [...headers],
        operationName: record.operationName,
        operationType: record.operationType,
      });
    },
  };
}
