import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, parse, type OperationDefinitionNode } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { CompiledQueryCache, jitGateway } from '../src/executor.js';

/** The graphql-jit executor on its own: its cache of compiled queries and what it checks itself. */
const schema = makeExecutableSchema({
  typeDefs: `
    input Range { from: Int!, to: Int! }
    type Query { sum(range: Range!): Int!, fails: Int, coded: Int }
    type Subscription { ticks: Int }
  `,
  resolvers: {
    Query: {
      sum: (_: unknown, { range }: { range: { from: number; to: number } }) => range.from + range.to,
      fails: () => {
        throw new Error('plain failure');
      },
      coded: () => {
        throw new GraphQLError('coded failure', { extensions: { code: 'NOT_FOUND' } });
      },
    },
  },
});

async function run(query: string, variables: Record<string, unknown> = {}, queryHash = query) {
  const { executor } = await jitGateway(schema, { maxCompiledQueries: 2 }).load({ apollo: {} } as never);
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return executor!({ document, operation, operationName: null, queryHash, request: { variables }, context: {} } as unknown as GatewayGraphQLRequestContext);
}

describe('the jit executor', () => {
  it('executes a query with its variables', async () => {
    expect(await run('query($r: Range!) { sum(range: $r) }', { r: { from: 2, to: 3 } })).toEqual({ data: { sum: 5 } });
  });

  it('refuses variables graphql-jit alone would let through (an unknown input field), with graphql-js\'s errors', async () => {
    const result = await run('query($r: Range!) { sum(range: $r) }', { r: { from: 2, to: 3, extra: 1 } });
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((error) => error.message)).toEqual(['Variable "$r" got invalid value { from: 2, to: 3, extra: 1 }; Field "extra" is not defined by type "Range".']);
  });

  it('answers a subscription sent over HTTP with SUBSCRIPTION_OVER_HTTP', async () => {
    const result = await run('subscription { ticks }');
    expect(result.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ['Subscriptions are served over WebSocket (the graphql-transport-ws protocol) at /graphql; this request came over HTTP.', 'SUBSCRIPTION_OVER_HTTP'],
    ]);
  });

  it('returns resolver errors as real GraphQLErrors, with path, cause and extensions', async () => {
    const result = await run('{ fails coded }');
    expect(result.data).toEqual({ fails: null, coded: null });
    const [plain, coded] = result.errors ?? [];
    expect(plain).toBeInstanceOf(GraphQLError);
    expect(plain).toMatchObject({ message: 'plain failure', path: ['fails'] });
    expect(plain.originalError?.message).toBe('plain failure');
    expect(coded).toMatchObject({ message: 'coded failure', path: ['coded'], extensions: { code: 'NOT_FOUND' } });
  });
});

describe('CompiledQueryCache', () => {
  const compiled = (name: string) => ({ name }) as unknown as CompiledQuery;

  it('keeps at most its size, the least recently used out first', () => {
    const cache = new CompiledQueryCache(2);
    cache.set('a', compiled('a'));
    cache.set('b', compiled('b'));
    expect(cache.get('a')).toEqual({ name: 'a' });
    cache.set('c', compiled('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ name: 'a' });
    expect(cache.get('c')).toEqual({ name: 'c' });
  });
});
