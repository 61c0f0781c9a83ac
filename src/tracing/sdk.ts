import type { IncomingHttpHeaders } from 'node:http';
import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from './semconv.js';
import type { OtlpProtocol, SpanOptions, Tracing } from './tracing.js';

/**
 * Tracing over the OpenTelemetry SDK: loaded by tracing.ts only when tracing is on. The SDK's
 * classes read their OTEL_* variables themselves as they are constructed: the exporters the
 * endpoint, headers, timeout and compression; the provider the sampler (OTEL_TRACES_SAMPLER,
 * default parent-based always-on) and the span limits; the batch processor OTEL_BSP_*; the
 * resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */

const KINDS = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL } as const;

/** One propagator, used directly: nothing is registered globally. */
const w3c = new W3CTraceContextPropagator();
// Node's header names are lower-case; a repeated traceparent arrives joined, which does not parse: a new trace.
const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};
const headerSetter: TextMapSetter<Record<string, string | undefined>> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};

/** The exporter of the chosen encoding: one package each. Both read OTEL_EXPORTER_OTLP[_TRACES]_* themselves. */
async function exporterFor(protocol: OtlpProtocol): Promise<SpanExporter> {
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

/** How often the same kind of SDK warning is logged at most, in ms. */
const DIAGNOSTIC_INTERVAL_MS = 60_000;

/**
 * The SDK reports its own trouble (an export refused, a collector down, spans dropped from a full
 * queue) only through `diag`, which is silent until given a logger: these go to the gateway's log
 * at warn, each kind (the message with its numbers left out) at most once a minute, with how many
 * of its kind were left out since (a full queue drops spans at every batch under load). `diag` is
 * the process's one; the last tracing started has it.
 */
function routeDiagnostics(logger: Logger): void {
  const kinds = new Map<string, { loggedAt: number; suppressed: number }>();
  const warn = (message: string, ...args: unknown[]) => {
    const kind = message.replace(/\d+/g, 'N');
    const now = performance.now();
    const seen = kinds.get(kind);
    if (seen !== undefined && now - seen.loggedAt < DIAGNOSTIC_INTERVAL_MS) {
      seen.suppressed++;
      return;
    }
    const detail: Record<string, unknown> = { detail: args.map((arg) => (arg instanceof Error ? arg.message : String(arg))) };
    if (seen !== undefined && seen.suppressed > 0) detail.suppressed = seen.suppressed;
    kinds.set(kind, { loggedAt: now, suppressed: 0 });
    logger.warn(detail, `OpenTelemetry: ${message}`);
  };
  const quiet = () => {};
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

export async function createTracing(options: { protocol: OtlpProtocol; logger: Logger; serviceVersion: string }): Promise<Tracing> {
  routeDiagnostics(options.logger);
  // Lowest precedence first: the SDK's own (telemetry.sdk.*), the gateway's name and version, then
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'pta-gateway', [ATTR_SERVICE_VERSION]: options.serviceVersion }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(await exporterFor(options.protocol))] });
  const tracer = provider.getTracer('pta-gateway', options.serviceVersion);
  const contextOf = (parent: Span | undefined) => (parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent));

  return {
    protocol: options.protocol,
    start(name, parent, { kind = 'internal', attributes, links }: SpanOptions = {}) {
      return tracer.startSpan(name, { kind: KINDS[kind], attributes, links: links?.map((span) => ({ context: span.spanContext() })) }, contextOf(parent));
    },
    callerSpan(headers) {
      return trace.getSpan(w3c.extract(ROOT_CONTEXT, headers, headerGetter));
    },
    inject(span, headers) {
      w3c.inject(contextOf(span), headers, headerSetter);
    },
    fail(span, code) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.setAttribute(ATTR_ERROR_TYPE, code);
    },
    async shutdown(budgetMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'timed out'>((resolve) => {
        timer = setTimeout(() => resolve('timed out'), budgetMs);
        // Never what keeps the process alive: the exporter's own request may still run after it.
        timer.unref();
      });
      try {
        return await Promise.race([provider.shutdown().then(() => 'flushed' as const, () => 'failed' as const), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
