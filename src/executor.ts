import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { GraphQLError, getVariableValues, type ExecutionResult, type GraphQLSchema } from 'graphql';

/**
 * A faster executor for Apollo Server: each document is compiled once with graphql-jit (to plain
 * JavaScript that resolves and serialises exactly the selected fields) and the compiled query is
 * reused for every later request with the same document.
 *
 * Apollo Server 5 has no executor option; its gateway interface is the supported way to bring
 * one: `load()` hands Apollo the schema and the executor. Apollo still parses, validates (with
 * its document cache), runs the plugins, formats errors and speaks HTTP.
 */

/** Compiled queries by Apollo's query hash (a sha256 of the document), least recently used out first. */
export class CompiledQueryCache {
  private readonly entries = new Map<string, CompiledQuery>();
  constructor(private readonly max: number) {}

  get(key: string): CompiledQuery | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: CompiledQuery): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
  }
}

/**
 * graphql-jit's errors imitate graphql-js's but leave `extensions` undefined, which Apollo Server
 * cannot format; the real class, with the same message, path, locations and cause, can.
 */
function toGraphQLError(error: GraphQLError): GraphQLError {
  const real = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? undefined,
  });
  if (error.locations) (real as { locations?: unknown }).locations = error.locations;
  return real;
}

export function jitGateway(schema: GraphQLSchema, options: { maxCompiledQueries: number }): GatewayInterface {
  const cache = new CompiledQueryCache(options.maxCompiledQueries);

  const executor: GatewayExecutor = async (requestContext) => {
    const { document, operation, operationName, queryHash, request, context } = requestContext;
    // As graphql-js's execute does; Apollo answers it 400 OPERATION_RESOLUTION_FAILURE.
    if (!operation) {
      const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return { errors: [new GraphQLError(message)] };
    }
    // This executor serves HTTP only: a subscription needs a socket to push to.
    if (operation.operation === 'subscription') {
      return { errors: [new GraphQLError('Subscriptions are served over WebSocket (the graphql-transport-ws protocol) at /graphql; this request came over HTTP.', { extensions: { code: 'SUBSCRIPTION_OVER_HTTP' } })] };
    }
    const variables = request.variables ?? {};
    // Variables are checked by graphql-js itself: graphql-jit's own coercion is laxer (it lets
    // unknown input fields through), and these errors are what Apollo answers 400 BAD_USER_INPUT to.
    if (operation.variableDefinitions?.length) {
      const coerced = getVariableValues(schema, operation.variableDefinitions, variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
    }
    const key = `${queryHash}:${operationName ?? ''}`;
    let compiled = cache.get(key);
    if (compiled === undefined) {
      const result = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      compiled = result;
      cache.set(key, compiled);
    }
    const result = await (compiled.query(undefined, context, variables) as Promise<ExecutionResult> | ExecutionResult);
    return result.errors ? { ...result, errors: result.errors.map(toGraphQLError) } : result;
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}
