import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { execute, parse, validate, type GraphQLResolveInfo } from 'graphql';
import { selectedFields, type SelectedField } from '../../src/graph/selection.js';

const typeDefs = `
  type Query { stats: Stats! list: [Stats!]! }
  type Stats { total: Int! byDay(days: Int = 14): [Int!]! top(limit: Int = 10, name: String): [Int!]! }
`;

/** What `selectedFields` saw in the `stats` resolver, under graphql-js and under graphql-jit (the gateway's executor). */
async function seen(query: string, variables: Record<string, unknown> = {}): Promise<SelectedField[][]> {
  const found: SelectedField[][] = [];
  const capture = (_parent: unknown, _args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
    found.push(selectedFields(info));
    return {};
  };
  const schema = makeExecutableSchema({
    typeDefs,
    resolvers: { Query: { stats: capture, list: (...args: Parameters<typeof capture>) => [capture(...args)] }, Stats: { total: () => 0, byDay: () => [], top: () => [] } },
  });
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const result = await execute({ schema, document, variableValues: variables });
  expect(result.errors).toBeUndefined();
  const compiled = compileQuery(schema, document);
  if (!isCompiledQuery(compiled)) throw new Error('not compiled');
  expect((await compiled.query(undefined, {}, variables)).errors).toBeUndefined();
  expect(found[1]).toEqual(found[0]);
  return found;
}

describe('selectedFields (graph/selection.ts)', () => {
  it('gives each selected field with its arguments, defaults and variables applied, aliases included', async () => {
    const [fields] = await seen('query($n: Int) { stats { total a: byDay b: byDay(days: $n) top(limit: 3) } }', { n: 400 });
    expect(fields).toEqual([
      { name: 'total', args: {} },
      { name: 'byDay', args: { days: 14 } },
      { name: 'byDay', args: { days: 400 } },
      { name: 'top', args: { limit: 3 } },
    ]);
  });

  it('looks into inline and named fragments, each named one once', async () => {
    const [fields] = await seen(`query($name: String) { stats { ... on Stats { byDay(days: 2) } ...Top ...Top } }
      fragment Top on Stats { top(name: $name) ... { total } }`, { name: 'x' });
    expect(fields).toEqual([
      { name: 'byDay', args: { days: 2 } },
      { name: 'top', args: { limit: 10, name: 'x' } },
      { name: 'total', args: {} },
    ]);
  });

  it('leaves out what @skip or @include drops, on fields and fragments', async () => {
    const [fields] = await seen(`query($yes: Boolean!) { stats {
      byDay(days: 0) @skip(if: true) top(limit: 0) @include(if: false)
      ... @include(if: $yes) { total } ...F @skip(if: $yes)
    } } fragment F on Stats { other: byDay(days: -1) }`, { yes: true });
    expect(fields).toEqual([{ name: 'total', args: {} }]);
  });

  it('sees through a list of the object type', async () => {
    const [fields] = await seen('{ list { total } }');
    expect(fields).toEqual([{ name: 'total', args: {} }]);
  });
});
