import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { getNamedType, getOperationAST, GraphQLError, isIntrospectionType, type ASTVisitor, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { formatError, isGatewayBug } from './errors.js';
import { jitGateway } from './executor.js';
import type { GraphContext } from './graph/context.js';
import type { AnswerBudget } from './graph/answer-budget.js';
import { completeResult, recordOperation, reportBugs } from './graph/operation.js';
import { checkOperationLimits, PASS_THROUGH_BYTES, type OperationLimits } from './graph/operation-limits.js';
import { oneLogonPerOperation } from './graph/rules.js';
import { createResolvers } from './graph/resolvers/index.js';
import { loadTypeDefs } from './graph/schema.js';

/**
 * The gateway's one Apollo plugin (one, because every plugin costs each request a little): the
 * operation policy of graph/operation.ts, which WebSocket subscriptions get too. Before the
 * operation runs it holds it to its limits (graph/operation-limits.ts) and reserves room for its
 * answer (graph/answer-budget.ts); then it writes the operation and its outcome into the request
 * record, adds the request's warnings to the response's extensions, answers 503 when shutdown
 * stopped the request, and logs each bug of the gateway once, with its stack.
 */
function gatewayPlugin({ limits, budget, eventBytes }: AnswerLimits): ApolloServerPlugin<GraphContext> {
  const hooks: Awaited<ReturnType<NonNullable<ApolloServerPlugin<GraphContext>['requestDidStart']>>> = {
    didResolveOperation({ contextValue, document, operation, request, schema }) {
      // With the variables known, before it runs: its limits, then room for its answer.
      if (!operation) return Promise.resolve();
      recordOperation(contextValue.record, operation);
      const { bytes, passThroughValues, error } = checkOperationLimits(schema, document, operation, request.variables, limits);
      if (error) return Promise.reject(error);
      // The room held follows the session's own events where they are larger than the estimate's.
      const session = contextValue.sessionKey();
      const perValue = passThroughValues > 0 && session !== null ? eventBytes(session) : 0;
      const expected = bytes + passThroughValues * Math.max(0, perValue - PASS_THROUGH_BYTES);
      return budget.reserve(session, expected).then((reservation) => contextValue.record.holdAnswer(reservation));
    },
    async didEncounterErrors({ errors, contextValue }) {
      reportBugs(errors, contextValue);
    },
    async willSendResponse({ contextValue, response, operation, document, request }) {
      // A document that parsed but failed validation has no operation resolved by Apollo (a
      // resolved one was recorded in didResolveOperation); the document still names it, so its log
      // line, metrics and span (in error, with the code) say which operation failed.
      if (!operation && document) recordOperation(contextValue.record, getOperationAST(document, request.operationName));
      if (response.body.kind !== 'single') return;
      const status = completeResult(response.body.singleResult, contextValue);
      if (status !== undefined) response.http.status = status;
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

/**
 * Introspection refused with a message that names the gateway's own switch (Apollo's names its
 * constructor option, which a user of the gateway cannot set). graphql-js's
 * NoSchemaIntrospectionCustomRule, with that message.
 */
function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const type = getNamedType(context.getType());
      if (type && isIntrospectionType(type)) {
        context.reportError(new GraphQLError(`Introspection is off on this gateway (the production default); set INTROSPECTION=true to allow it. The query asked for "${node.name.value}".`, { nodes: node }));
      }
    },
  };
}

/**
 * CSRF prevention's request headers: a non-empty one shows a browser sent a preflight first
 * (Apollo's recommended list), and the one the /graphql route sets, never taken from a client,
 * on a GET its own rule serves (http/csrf.ts), so Apollo's check, which runs after it, agrees.
 */
export const CSRF_PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];
export const CSRF_SERVED_HEADER = 'x-pta-gateway-csrf-served';

/** The executable schema: schema/*.graphql with the resolvers; `now` is the gateway's clock (Date.now by default). */
export function createSchema(config: Config, options: { now?: () => number } = {}): GraphQLSchema {
  return makeExecutableSchema<GraphContext>({
    typeDefs: loadTypeDefs(),
    resolvers: createResolvers({ bulkMaxIds: config.BULK_MAX_IDS, bulkConcurrency: config.PVWA_BULK_CONCURRENCY, now: options.now }),
  });
}

/**
 * The limits on hostile documents (depth, aliases, cost) and the introspection switch, as
 * validation rules: the same for HTTP (Apollo) and WebSocket (graphql-ws) operations.
 */
export function documentRules(config: Config): ValidationRule[] {
  return [
    ...(config.INTROSPECTION ? [] : [noIntrospection]),
    oneLogonPerOperation,
    maxDepthRule({ n: config.MAX_QUERY_DEPTH, ...reportAsValidationError }),
    maxAliasesRule({ n: config.MAX_QUERY_ALIASES, ...reportAsValidationError }),
    // Linear in depth (the default 1.5 grows exponentially and refuses a full event); `first`
    // multiplies the cost of a list, so a page of 500 full events fits and three do not.
    costLimitRule({ maxCost: config.MAX_QUERY_COST, depthCostFactor: 1, objectCost: 2, scalarCost: 1, ...reportAsValidationError }),
  ];
}

/** What the plugin holds each operation's answer to. */
export interface AnswerLimits {
  limits: OperationLimits;
  budget: AnswerBudget;
  /** The average JSON bytes of an event the session has read (0 when none): what its `raw` values weigh. */
  eventBytes: (session: string) => number;
}

/** The limits of an operation once its variables are known. */
export function operationLimits(config: Config): OperationLimits {
  return { maxResponseBytes: config.MAX_RESPONSE_BYTES, bulkMaxIds: config.BULK_MAX_IDS };
}

/** Apollo Server with the gateway's schema, error policy and limits on hostile documents. */
export function createApollo(config: Config, logger: Logger, schema: GraphQLSchema, answers: Omit<AnswerLimits, 'limits'>): ApolloServer<GraphContext> {
  return new ApolloServer<GraphContext>({
    gateway: jitGateway(schema, { maxCompiledQueries: 1000 }),
    formatError: (formatted, error) => {
      // A failure outside any field (serialising the answer, say) is answered HTTP 500 by Apollo
      // itself, and no plugin hook sees it: logged here, once, with its cause.
      if (!(error instanceof GraphQLError) && isGatewayBug(error)) logger.error({ err: error }, 'gateway bug: answered HTTP 500');
      return formatError(formatted, error);
    },
    includeStacktraceInErrorResponses: false,
    // Refused by our own rule (below), so the message names INTROSPECTION=true.
    introspection: true,
    csrfPrevention: { requestHeaders: [...CSRF_PREFLIGHT_HEADERS, CSRF_SERVED_HEADER] },
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS },
    validationRules: documentRules(config),
    logger,
    // The gateway owns shutdown and its order (gateway.ts: readiness off, delay, drain, close):
    // Apollo's own SIGINT/SIGTERM handler would stop Apollo first and answer requests of the
    // delay with 500.
    stopOnTerminationSignals: false,
    // No cache hints are used: the cache-control plugin would only cost every request. No landing
    // page: Apollo's loads from a CDN; the gateway serves its own IDE (http/ide.ts).
    plugins: [gatewayPlugin({ ...answers, limits: operationLimits(config) }), ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
}
