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
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: queryAt === -1 ? '' : url.slice(queryAt),
        body: read.body,
      },
      context: async () => createContext(deps, credentialsFrom(deps.sessions, header(req, 'authorization'), header(req, 'cookie')), record, responseCookies),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (responseCookies.length > 0) res.setHeader('set-cookie', responseCookies);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
