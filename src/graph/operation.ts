import {
  getOperationAST, GraphQLError, parse, specifiedRules, validate,
  type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule,
} from 'graphql';
import { ErrorCode, formatError, isGatewayBug } from '../errors.js';
import type { RequestRecord } from '../telemetry/record.js';
import type { GraphContext } from './context.js';

/**
 * The one operation policy, whatever the transport. HTTP requests run through Apollo Server, whose
 * plugin (apollo.ts) calls these functions; WebSocket queries and mutations run through the very
 * same Apollo pipeline (`executeOperation`), and WebSocket subscriptions, which Apollo cannot run,
 * get the same document checks (`OperationDocuments`) and the same finish (`formatResult`). So a
 * rule written here holds over both transports; test/graph/operation-parity.test.ts proves it.
 */

/**
 * The operation's name and type go into the request's log line and metrics; the first call, once
 * the operation is resolved, begins its span (when tracing is on).
 */
export function recordOperation(record: RequestRecord, operation: OperationDefinitionNode | null | undefined): void {
  if (operation) record.operation(operation.name?.value ?? null, operation.operation);
}

/**
 * Each bug of the gateway (`isGatewayBug`: what the client sees as INTERNAL_SERVER_ERROR) is logged
 * once, with its stack, which the client never sees.
 */
export function reportBugs(errors: readonly GraphQLError[], context: Pick<GraphContext, 'logger' | 'record'>): void {
  for (const error of errors) {
    if (!isGatewayBug(error)) continue;
    const err = error.originalError ?? error;
    context.logger.error({ err, path: error.path, requestId: context.record.requestId }, 'gateway bug: answered INTERNAL_SERVER_ERROR');
  }
}

/** A result whose errors are formatted (what goes on the wire). */
export interface FormattedResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/**
 * The last step of every result: the first error's code is the outcome in the request record (and
 * of the operation's span, which ends), and the warnings gathered while resolving it go into
 * `extensions.warnings` (taken, so a subscription's next result does not repeat them). Returns the
 * HTTP status the errors call for: 503 when shutdown stopped the request (clients and balancers
 * retry elsewhere), else undefined.
 */
export function completeResult(result: FormattedResult, context: Pick<GraphContext, 'record' | 'warnings'>): number | undefined {
  const code = result.errors?.[0]?.extensions?.code;
  if (code !== undefined) context.record.failed(String(code));
  context.record.operationDone();
  if (context.warnings.length > 0) result.extensions = { ...result.extensions, warnings: context.warnings.splice(0) };
  return result.errors?.some((error) => error.extensions?.code === ErrorCode.SHUTTING_DOWN) ? 503 : undefined;
}

/**
 * A result executed outside Apollo (a subscription's event), finished as Apollo finishes one; the
 * context's loaders forget what they read, for the subscription's next result.
 */
export function formatResult(result: ExecutionResult, context: Pick<GraphContext, 'logger' | 'record' | 'warnings'> & Partial<Pick<GraphContext, 'forgetReads'>>): FormattedResult {
  context.forgetReads?.();
  const formatted: FormattedResult = { ...result, errors: undefined };
  delete formatted.errors;
  if (result.errors) {
    reportBugs(result.errors, context);
    formatted.errors = result.errors.map((error) => formatError(error.toJSON(), error));
  }
  completeResult(formatted, context);
  return formatted;
}

/** A document that passed the checks, and its operation. */
export interface PreparedDocument {
  document: DocumentNode;
  operation: OperationDefinitionNode | null;
}

/**
 * A document that failed them: the errors, and the operation it names when it parsed (so a
 * validation failure is recorded under its operation, as Apollo's path records it over HTTP).
 */
export interface RefusedDocument {
  errors: GraphQLError[];
  operation: OperationDefinitionNode | null;
}

/**
 * The document checks of an operation Apollo does not run (a subscription over WebSocket): parsed
 * with the same token limit and validated with the same rules as Apollo's, failing with Apollo's
 * codes. Checked documents are kept by text, least recently used out first, as Apollo keeps its
 * own: a document's text holds no session data (variables are apart), so the cache is shared.
 */
export class OperationDocuments {
  private readonly cache = new Map<string, DocumentNode>();
  private readonly rules: ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    rules: readonly ValidationRule[],
    private readonly options: { maxTokens: number; maxCached: number },
  ) {
    this.rules = [...specifiedRules, ...rules];
  }

  prepare(query: string, operationName: string | null | undefined): PreparedDocument | RefusedDocument {
    let document = this.cache.get(query);
    if (document !== undefined) {
      this.cache.delete(query);
    } else {
      try {
        document = parse(query, { maxTokens: this.options.maxTokens });
      } catch (error) {
        return { errors: [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')], operation: null };
      }
      const errors = validate(this.schema, document, this.rules);
      if (errors.length > 0) {
        return { errors: errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')), operation: getOperationAST(document, operationName ?? undefined) ?? null };
      }
      if (this.cache.size >= this.options.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    }
    // Map order is use order: re-inserted, the document is the most recently used.
    this.cache.set(query, document);
    return { document, operation: getOperationAST(document, operationName ?? undefined) ?? null };
  }
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}
