import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { requestIdFrom, Telemetry } from '../../src/telemetry/record.js';

describe('request ids', () => {
  it('keeps a sane X-Request-Id', () => {
    expect(requestIdFrom('req-1.a:b_C')).toBe('req-1.a:b_C');
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'new\nline', '<script>'])('makes a new UUID for %j', (header) => {
    expect(requestIdFrom(header)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('the request record', () => {
  function telemetry() {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) }) });
    return { telemetry: new Telemetry(logger, new Metrics(10)), lines };
  }

  it.each([
    ['OK answered 200', [], 200, 'OK'],
    ['the first error decides', ['NOT_FOUND', 'FORBIDDEN'], 200, 'NOT_FOUND'],
    ['a 4xx without an error is BAD_REQUEST', [], 413, 'BAD_REQUEST'],
    ['a 4xx keeps the error it had', ['GRAPHQL_VALIDATION_FAILED'], 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a 503 keeps SHUTTING_DOWN', ['SHUTTING_DOWN'], 503, 'SHUTTING_DOWN'],
    ['another 5xx without an error is INTERNAL_SERVER_ERROR', [], 502, 'INTERNAL_SERVER_ERROR'],
    ['a 500 is INTERNAL_SERVER_ERROR whatever came before', ['NOT_FOUND'], 500, 'INTERNAL_SERVER_ERROR'],
  ] as const)('%s', (_name, errors, status, outcome) => {
    const { telemetry: t, lines } = telemetry();
    const record = t.begin('r1');
    for (const code of errors) record.failed(code);
    record.end(status);
    expect(lines).toEqual([expect.objectContaining({ msg: 'graphql request', requestId: 'r1', status, outcome })]);
  });

  it('ends once: one line and one sample, whatever ends it again', async () => {
    const { telemetry: t, lines } = telemetry();
    const record = t.begin('r2');
    record.operation('Triage', 'query');
    record.eventsRead('delta');
    record.eventsRead('full');
    record.eventsRead('delta');
    record.end(200);
    record.end(500);
    expect(lines).toEqual([expect.objectContaining({ requestId: 'r2', operationName: 'Triage', operationType: 'query', read: 'full', outcome: 'OK', status: 200 })]);
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('pta_gateway_graphql_requests_total{operation="Triage",type="query",outcome="OK"} 1');
    expect(text).toContain('pta_gateway_graphql_requests_in_flight 0');
  });
});
