import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createContext, newRequestRecord, requestIdFrom, type GraphContext, type RequestRecord } from './context.js';
import { formatError } from './errors.js';
import { jitGateway } from './executor.js';
import { resolvers } from './graph/resolvers/index.js';
import { loadTypeDefs } from './graph/schema.js';
import { header, readBody } from './http.js';
import type { PvwaClient } from './pvwa/client.js';
import { PvwaError } from './pvwa/errors.js';

/**
 * The gateway's one Apollo plugin (one, because every plugin costs each request a little):
 * records the operation and its outcome for the request log and metrics, adds the request's
 * warnings to the response's extensions, and logs what becomes INTERNAL_SERVER_ERROR (a bug),
 * with its stack, which the client never sees.
 */
function gatewayPlugin(): ApolloServerPlugin<GraphContext> {
  const hooks: Awaited<ReturnType<NonNullable<ApolloServerPlugin<GraphContext>['requestDidStart']>>> = {
    async didEncounterErrors({ errors, contextValue }) {
      for (const error of errors) {
        const original = error.originalError;
        if (original && !(original instanceof GraphQLError) && !(original instanceof PvwaError)) {
          contextValue.logger.error({ err: original, path: error.path, requestId: contextValue.record.requestId }, 'resolver failed');
        }
      }
    },
    async willSendResponse({ contextValue, response, operation }) {
      const { record, warnings } = contextValue;
      if (operation) {
        record.operationName = operation.name?.value ?? null;
        record.operationType = operation.operation;
      }
      if (response.body.kind !== 'single') return;
      const result = response.body.singleResult;
      const code = result.errors?.[0]?.extensions?.code;
      if (code !== undefined) record.outcome = String(code);
      if (warnings.length > 0) result.extensions = { ...result.extensions, warnings };
    },
  };
  return { requestDidStart: async () => hooks };
}

/**
 * graphql-armor's rules throw by default, which Apollo Server shows as an internal error; reported
 * through the validation context instead, they are GRAPHQL_VALIDATION_FAILED with HTTP 400.
 */
const reportAsValidationError = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

/** Apollo Server with the gateway's schema, error policy and limits on hostile documents. */
export function createApollo(config: Config, logger: Logger): ApolloServer<GraphContext> {
  const schema = makeExecutableSchema<GraphContext>({ typeDefs: loadTypeDefs(), resolvers });
  return new ApolloServer<GraphContext>({
    gateway: jitGateway(schema, { maxCompiledQueries: 1000 }),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.INTROSPECTION,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS },
    validationRules: [
      maxDepthRule({ n: config.MAX_QUERY_DEPTH, ...reportAsValidationError }),
      maxAliasesRule({ n: config.MAX_QUERY_ALIASES, ...reportAsValidationError }),
      // Linear in depth (the default 1.5 grows exponentially and refuses a full event); `first`
      // multiplies the cost of a list, so a page of 500 full events fits and three do not.
      costLimitRule({ maxCost: config.MAX_QUERY_COST, depthCostFactor: 1, objectCost: 2, scalarCost: 1, ...reportAsValidationError }),
    ],
    logger,
    // No cache hints are used: the cache-control plugin would only cost every request. No landing
    // page: Apollo's loads from a CDN; the gateway serves its own IDE (src/ide.ts).
    plugins: [gatewayPlugin(), ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
}

/** Told when a /graphql request is answered: its record, HTTP status and duration. */
export type RequestObserver = (record: RequestRecord, status: number, durationMs: number) => void;

/** The /graphql route: the HTTP request to Apollo Server and back, with a per-request context. */
export function graphqlHandler(options: {
  apollo: ApolloServer<GraphContext>;
  client: PvwaClient;
  logger: Logger;
  maxRequestBytes: number;
  onAnswered: RequestObserver;
}) {
  const { apollo, client, logger, maxRequestBytes, onAnswered } = options;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const record = newRequestRecord(requestIdFrom(header(req, 'x-request-id')));
    res.setHeader('x-request-id', record.requestId);
    // 'close', not 'finish': an answer cut short (client gone, shutdown) is counted and logged too.
    res.once('close', () => {
      if (res.statusCode >= 400 && record.outcome === 'OK') record.outcome = 'BAD_REQUEST';
      onAnswered(record, res.statusCode, performance.now() - started);
    });
    const read = await readBody(req, res, maxRequestBytes);
    if (read === undefined) return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: queryAt === -1 ? '' : url.slice(queryAt),
        body: read.body,
      },
      context: async () => createContext({ authorization: header(req, 'authorization'), record, client, logger }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
