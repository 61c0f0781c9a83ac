import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/telemetry/logger.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('request logs and request ids', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'debug' });
  });
  afterAll(() => h.close());

  it('takes X-Request-Id from the client, echoes it, sends it to the PVWA and logs it', async () => {
    const { headers, body } = await h.gql('query Triage { securityEvents(first: 1) { totalCount } a: securityEvent(id: "x") { id } }', {}, { headers: { 'x-request-id': 'req-7f3e-42' } });
    expect(body.errors).toBeUndefined();
    expect(headers.get('x-request-id')).toBe('req-7f3e-42');
    expect(h.sim.requests.map((r) => r.headers['x-request-id'])).toEqual(['req-7f3e-42']);
    const line = h.logs.find((l) => l.msg === 'graphql request' && l.requestId === 'req-7f3e-42');
    expect(line).toMatchObject({
      level: 'info', requestId: 'req-7f3e-42', operationName: 'Triage', operationType: 'query', outcome: 'OK', status: 200, upstreamCalls: 1,
    });
    expect(line!.durationMs).toBeGreaterThan(0);
    expect(line!.upstreamMs).toBeGreaterThan(0);
    expect(line!.upstreamMs).toBeLessThanOrEqual(line!.durationMs);
    const call = h.logs.find((l) => l.msg === 'pvwa call' && l.requestId === 'req-7f3e-42');
    expect(call).toMatchObject({ level: 'debug', endpoint: 'getEvents', status: 200, attempts: 1 });
  });

  it('generates a request id when there is none (or it is not sane), and logs the outcome code', async () => {
    h.sim.clearRequests();
    const { headers } = await h.gql('mutation { updateEventStatus(id: "a b", status: OPEN) { id } }', {}, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = h.logs.find((l) => l.msg === 'graphql request' && l.requestId === id);
    expect(line).toMatchObject({ operationName: null, operationType: 'mutation', outcome: 'BAD_USER_INPUT', upstreamCalls: 0, upstreamMs: 0 });
  });

  it('logs a request refused before GraphQL with its HTTP status', async () => {
    const response = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'broken-1' }, body: '{"query":' });
    expect(response.status).toBe(400);
    const line = h.logs.find((l) => l.msg === 'graphql request' && l.requestId === 'broken-1');
    expect(line).toMatchObject({ outcome: 'BAD_REQUEST', status: 400, operationType: null });
  });

  it('redacts the Authorization header by configuration, whatever a call site logs', () => {
    // The gateway's logger is made by the same createLogger.
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    logger.info({ headers: { authorization: 'secret-1' }, req: { headers: { authorization: 'secret-2', cookie: 'c=1' } }, token: 'secret-3' }, 'x');
    expect(lines.join('')).not.toMatch(/secret-|c=1/);
    expect(JSON.parse(lines[0])).toMatchObject({ headers: { authorization: '[redacted]' }, token: '[redacted]' });
  });
});
