import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { buildSchema, GraphQLEnumType, GraphQLError } from 'graphql';
import { ErrorCode, formatError } from '../src/errors.js';
import { loadTypeDefs } from '../src/graph/schema.js';
import { eventCalls, fixture, startHarness, type Harness } from './support/harness.js';

const CLOSE = 'mutation($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { id status } }';
const LIST = '{ securityEvents(first: 1) { totalCount nodes { id } } }';

describe('every failure becomes a GraphQL error with a code', () => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ env: { PVWA_TIMEOUT_MS: '300', PVWA_GET_RETRIES: '0' } });
    id = String(h.sim.eventsOf()[0].id);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearFault();
    h.sim.clearRequests();
  });

  const close = async () => {
    const { body } = await h.gql(CLOSE, { id });
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    return body.errors![0];
  };

  it('PVWA 401 is UNAUTHENTICATED with the PVWA code and message', async () => {
    const { body } = await h.gql(CLOSE, { id }, { token: 'expired-token' });
    expect(body.errors![0]).toMatchObject({
      message: 'The session token is missing, invalid or expired.',
      path: ['updateEventStatus'],
      extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' },
    });
  });

  it('PVWA 403 is FORBIDDEN', async () => {
    h.sim.setFault({ kind: 'status', status: 403, body: JSON.stringify(fixture('error-PASWS041E.real.json')) });
    expect(await close()).toMatchObject({
      message: 'You are not authorized to perform this action.',
      extensions: { code: 'FORBIDDEN', upstreamStatus: 403, pvwaErrorCode: 'PASWS041E' },
    });
  });

  it('PVWA 404 for an unknown id is NOT_FOUND', async () => {
    const { body } = await h.gql(CLOSE, { id: '000000000000000000000000' });
    expect(body.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', upstreamStatus: 404 });
  });

  it('PVWA 400 is BAD_USER_INPUT', async () => {
    h.sim.setFault({ kind: 'status', status: 400, body: '{"ErrorCode":"PASWS035E","ErrorMessage":"The request is invalid."}' });
    expect(await close()).toMatchObject({
      message: 'The request is invalid.',
      extensions: { code: 'BAD_USER_INPUT', upstreamStatus: 400, pvwaErrorCode: 'PASWS035E' },
    });
  });

  it('no answer in time is UPSTREAM_TIMEOUT', async () => {
    h.sim.setFault({ kind: 'delay', ms: 1000 }, { times: 1 });
    expect(await close()).toEqual({
      message: 'The PVWA did not answer in time.',
      path: ['updateEventStatus'],
      locations: [{ line: 1, column: 22 }],
      extensions: { code: 'UPSTREAM_TIMEOUT' },
    });
  });

  it.each([429, 502, 503, 504])('PVWA %i is UPSTREAM_UNAVAILABLE', async (status) => {
    h.sim.setFault({ kind: 'status', status, body: 'busy', contentType: 'text/plain' });
    const error = await close();
    expect(error.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: status });
  });

  it('a reset connection is UPSTREAM_UNAVAILABLE', async () => {
    h.sim.setFault({ kind: 'reset' });
    expect((await close()).extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it.each([500, 501, 418])('PVWA %i is UPSTREAM_ERROR', async (status) => {
    h.sim.setFault({ kind: 'status', status, body: '<html><body>HTTP Error</body></html>', contentType: 'text/html' });
    const error = await close();
    expect(error.extensions).toEqual({ code: 'UPSTREAM_ERROR', upstreamStatus: status });
    expect(error.message).toBe(`The PVWA answered with HTTP ${status}.`);
  });

  it.each([
    ['an HTML page', { kind: 'html' } as const],
    ['truncated JSON', { kind: 'truncated' } as const],
    ['JSON of the wrong shape', { kind: 'wrong-shape' } as const],
  ])('a 200 with %s is UPSTREAM_ERROR, for the mutation and the list', async (_name, fault) => {
    h.sim.setFault(fault);
    expect((await close()).extensions).toEqual({ code: 'UPSTREAM_ERROR', upstreamStatus: 200 });
    const { body } = await h.gql(LIST);
    expect(body.errors![0].extensions).toEqual({ code: 'UPSTREAM_ERROR', upstreamStatus: 200 });
  });

  it('no stack trace, token or upstream URL reaches the client', async () => {
    h.sim.setFault({ kind: 'status', status: 500, body: `{"ErrorCode":"X","ErrorMessage":"token secret-token-123 at ${h.sim.url}"}` });
    const { body } = await h.gql(CLOSE, { id }, { token: 'secret-token-123' });
    const text = JSON.stringify(body);
    expect(text).not.toContain('secret-token-123');
    expect(text).not.toContain('stacktrace');
    expect(body.errors![0].extensions).toEqual({ code: 'UPSTREAM_ERROR', upstreamStatus: 500, pvwaErrorCode: 'X' });
  });

  it('after each fault the next request is served normally', async () => {
    // Twice: the PATCH is retried once on a reset connection.
    h.sim.setFault({ kind: 'reset' }, { times: 2 });
    expect((await close()).extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    const { body } = await h.gql(CLOSE, { id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateEventStatus).toEqual({ id, status: 'CLOSED' });
  });

  it('Apollo request-level codes stay as they are', async () => {
    const parse = await h.gql('{ securityEvents(');
    expect(parse.status).toBe(400);
    expect(parse.body.errors![0].extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
    const validation = await h.gql('{ nope }');
    expect(validation.status).toBe(400);
    expect(validation.body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(eventCalls(h.sim)).toHaveLength(0);
  });
});

// A PVWA that refuses connections (UPSTREAM_UNAVAILABLE) is in hardening/faults.test.ts.

describe('formatError', () => {
  it('shows a bug of the gateway as INTERNAL_SERVER_ERROR with a generic message', () => {
    const bug = new GraphQLError('Cannot read properties of undefined (reading "x")', {
      path: ['securityEvent'],
      originalError: new TypeError('Cannot read properties of undefined (reading "x")'),
    });
    expect(formatError({ ...bug.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } }, bug)).toEqual({
      message: 'Internal server error.',
      path: ['securityEvent'],
      locations: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('passes a subscription that fell behind as SLOW_CONSUMER, as graphql-ws wraps it', () => {
    const ended = new GraphQLError('More than 1000 changes were waiting for this subscription: it ended. Subscribe again.', { extensions: { code: 'SLOW_CONSUMER' } });
    const wrapped = new GraphQLError(ended.message, { originalError: ended, extensions: ended.extensions });
    expect(formatError(wrapped.toJSON(), wrapped)).toEqual({ message: ended.message, extensions: { code: 'SLOW_CONSUMER' } });
  });
});

describe('a subscription over HTTP', () => {
  it('is SUBSCRIPTION_OVER_HTTP, not a bug', async () => {
    const h = await startHarness({ env: { LOG_LEVEL: 'error' } });
    try {
      const { body } = await h.gql('subscription { securityEventChanged { kind } }');
      expect(body.errors).toEqual([{ message: 'Subscriptions are served over WebSocket (the graphql-transport-ws protocol) at /graphql; this request came over HTTP.', extensions: { code: 'SUBSCRIPTION_OVER_HTTP' } }]);
      expect(h.logs.filter((line) => line.level === 'error')).toEqual([]);
      expect(h.sim.requests).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});

describe('the ErrorCode enum of the schema', () => {
  it('holds exactly the gateway\'s codes (src/errors.ts), each described', () => {
    const type = buildSchema(loadTypeDefs()).getType('ErrorCode');
    expect(type).toBeInstanceOf(GraphQLEnumType);
    const values = (type as GraphQLEnumType).getValues();
    expect(values.map((value) => value.name).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const value of values) expect(value.description).toMatch(/\.$/);
  });

  it('types EventStatusUpdateError.code', () => {
    const field = buildSchema(loadTypeDefs()).getTypeMap().EventStatusUpdateError.toConfig() as { fields: Record<string, { type: unknown }> };
    expect(String(field.fields.code.type)).toBe('ErrorCode!');
  });
});
