import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { diag } from '@opentelemetry/api';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { tracesProtocol, tracingWanted } from '../../src/tracing/start.js';
import { eventsFor } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { tracingFrom, tracingTo } from '../support/tracing.js';

/** Tracing's switches, as the OpenTelemetry specification has them, and a gateway with tracing off. */

describe('the OTEL_* switches', () => {
  it('turns tracing on with an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp, off otherwise', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(() => tracingWanted({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow('OTEL_TRACES_EXPORTER=zipkin is not supported: use otlp (or none)');
  });

  it('sends http/protobuf unless OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL says http/json; refuses grpc', () => {
    expect(tracesProtocol({})).toBe('http/protobuf');
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })).toBe('http/protobuf');
    expect(() => tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf (the default) or http/json');
    expect(() => tracesProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toThrow(/^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc/);
  });
});

describe('the SDK reads the standard variables itself', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('names the service from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, and samples as OTEL_TRACES_SAMPLER says', async () => {
    const tracing = await tracingTo(receiver, 'http/protobuf', {
      OTEL_SERVICE_NAME: 'gw-eu', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0',
    });
    const h = await startHarness({ tracing, logLevel: 'info' });
    try {
      // Ratio 0: a request of its own is not sampled; one whose caller sampled it is (parent-based).
      await h.gql('query Alone { securityEvents(first: 1) { totalCount } }');
      await h.gql('query Sampled { securityEvents(first: 1) { totalCount } }', {}, { headers: { traceparent: '00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      const [alone, sampled] = await h.logged((line) => line.msg === 'graphql request', 2);
      const spans = await receiver.waitFor((all) => all.some((span) => span.spanId === sampled.spanId));
      expect(spans.find((span) => span.traceId === alone.traceId)).toBeUndefined();
      expect(spans.find((span) => span.spanId === sampled.spanId)!.resource).toMatchObject({ 'service.name': 'gw-eu', 'service.version': '0.1.0', 'deployment.environment.name': 'prod' });
      // Not sampled, the PVWA still gets the trace context, flagged so.
      const gets = h.sim.requests.filter((r) => r.method === 'GET');
      expect(gets[0].headers.traceparent).toMatch(new RegExp(`^00-${alone.traceId}-[0-9a-f]{16}-00$`));
    } finally {
      await h.close();
      await tracing.shutdown(2_000);
    }
  });
});

describe("the SDK's warnings", () => {
  it('log an export that failed at warn (the SDK is silent otherwise), and shutdown still ends', async () => {
    // A port nothing listens on: every export is refused.
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    let warned!: (line: string) => void;
    const firstWarning = new Promise<string>((resolve) => (warned = resolve));
    // The exporter retries a refused export until its timeout: 500 ms here.
    const tracing = (await tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '500', OTEL_BSP_SCHEDULE_DELAY: '10' }, [], warned))!;
    tracing.start('refused', undefined).end();
    const line = JSON.parse(await firstWarning) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', msg: expect.stringMatching(/^OpenTelemetry: .*ECONNREFUSED/) });
    expect(await tracing.shutdown(2_000)).not.toBe('timed out');
  });

  it('log each kind once a minute at most (a full queue drops spans at every batch under load)', async () => {
    const warnings: string[] = [];
    const tracing = (await tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, warnings))!;
    // What the batch processor says each time it dropped spans, and an error of another kind.
    for (const dropped of [512, 17, 3]) diag.warn(`Dropped ${dropped} spans because maxQueueSize reached`);
    diag.error('another kind');
    diag.info('not a warning');
    expect(warnings.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['OpenTelemetry: Dropped 512 spans because maxQueueSize reached', 'OpenTelemetry: another kind']);
    await tracing.shutdown(100);
  });
});

describe('a gateway with tracing off', () => {
  let receiver: OtlpReceiver;
  let h: Harness;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // An endpoint, but OTEL_SDK_DISABLED: off, as with no variable at all.
    const tracing = await tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: 'true' });
    expect(tracing).toBeUndefined();
    expect(await tracingFrom({})).toBeUndefined();
    h = await startHarness({ tracing, logLevel: 'info', env: { LIVE_POLL_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it('exports nothing, sends the PVWA no traceparent and logs no trace ids, whatever the caller sent', async () => {
    h.sim.setEvents(DEMO_TOKEN, eventsFor('off', 2));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await h.gql('query Off { securityEvents(first: 1) { totalCount } }', {}, { headers: { traceparent } });
    await h.gql('mutation Missing { updateEventStatus(id: "off-none", status: CLOSED) { id } }', {}, { headers: { traceparent } });
    const client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: DEMO_TOKEN }, retryAttempts: 0 });
    const changes = client.iterate({ query: 'subscription Live { securityEventChanged { kind } }' })[Symbol.asyncIterator]();
    void changes.next();
    await h.sim.received(1, (r) => String(r.headers['x-request-id']).startsWith('live-'));
    await changes.return?.();
    await client.dispose();
    const lines = await h.logged((line) => line.msg === 'graphql request', 3);
    expect(lines.map((line) => [line.operationName, 'traceId' in line, 'spanId' in line])).toEqual([['Off', false, false], ['Missing', false, false], ['Live', false, false]]);
    expect(h.sim.requests.filter((r) => r.headers.traceparent !== undefined)).toEqual([]);
    // No SDK was made (tracingFrom answered undefined above), so nothing can export later either.
    expect(receiver.exports).toEqual([]);
  });
});
