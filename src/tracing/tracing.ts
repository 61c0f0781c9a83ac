import type { IncomingHttpHeaders } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';

/**
 * OpenTelemetry tracing, configured by the standard OTEL_* variables only (the SDK reads most of
 * them itself). Off unless an OTLP endpoint or exporter is named; then `startTracing` answers
 * undefined, the SDK is never imported, and every part of the gateway that could make a span
 * checks that one value and does nothing else.
 *
 * On, spans are made by hand and their parents passed explicitly (no context manager: Node 20's
 * AsyncLocalStorage taxes every promise; no auto-instrumentation: it would trace got, node:http
 * and graphql as they see them, not as the gateway means them). Nothing is registered globally but
 * the SDK's diagnostic logger, so two gateways in one process (tests) trace apart.
 */

export type { Span } from '@opentelemetry/api';

/** The OTLP encodings the gateway can send (`grpc` needs another exporter and is refused at start). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface SpanOptions {
  /** `server` for work a client asked for, `client` for a call to the PVWA; `internal` by default. */
  kind?: 'server' | 'client' | 'internal';
  attributes?: Attributes;
  /** Spans this one follows from without being their child (a live poll: the subscriptions it serves). */
  links?: readonly Span[];
}

/** What the gateway asks of tracing; implemented over the SDK in sdk.ts, loaded only when tracing is on. */
export interface Tracing {
  readonly protocol: OtlpProtocol;
  /** A span: a child of `parent` (a span of ours, or a caller's context), or the root of a new trace. */
  start(name: string, parent: Span | undefined, options?: SpanOptions): Span;
  /** The trace a caller sent (W3C `traceparent`, `tracestate`), as a parent; undefined when none is valid. */
  callerSpan(headers: IncomingHttpHeaders): Span | undefined;
  /** Writes `traceparent` (and `tracestate` when there is one) of `span` into outgoing headers. */
  inject(span: Span, headers: Record<string, string | undefined>): void;
  /** A failure: the span's status is error, with `code` (the gateway's error code, or the PVWA's status) as message and `error.type`. */
  fail(span: Span, code: string): void;
  /** Exports what is queued and stops; settles within `budgetMs` whatever the collector does. */
  shutdown(budgetMs: number): Promise<'flushed' | 'timed out' | 'failed'>;
}
