import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { PvwaCall, PvwaCallObserver } from '../pvwa/client.js';
import type { Span, Tracing } from '../tracing/tracing.js';
import type { BlockRule, Metrics, ReadKind } from './metrics.js';
import { RequestSpans, type TraceSource } from './request-spans.js';

/**
 * The request record: what a request's log line and metrics say about it. It is created when the
 * request arrives (`Telemetry.begin`), written only through its methods as the request runs, and
 * ended once when the answer is done, which writes the log line and the metrics. Nothing else
 * logs or counts a request, so the path is one way: in at `begin`, out at `end`.
 */

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, else a new one. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && REQUEST_ID.test(header) ? header : randomUUID();
}

/** A CPM or PSM action a request sent to the PVWA, and how it ended: its own log line and metric. */
export interface PvwaActionDone {
  /** CHANGE, VERIFY, RECONCILE, TERMINATE, SUSPEND or RESUME. */
  action: string;
  /** The target: an account, or a live session. */
  accountId?: string;
  sessionId?: string;
  /** OK, or the error code the client got. */
  outcome: string;
  upstreamStatus?: number;
  pvwaErrorCode?: string;
}

/** What decides the log line's `read` when a request read more than once: a full read shows. */
const READ_RANK: Record<ReadKind, number> = { delta: 0, full: 1 };

export class RequestRecord implements PvwaCallObserver {
  operationName: string | null = null;
  operationType: string | null = null;
  /** OK, or the code of the first error. */
  outcome = 'OK';
  upstreamCalls = 0;
  upstreamMs = 0;
  /** How the request's event reads were served, when it read any. */
  read: ReadKind | null = null;
  /** True when the answer was one rendered earlier from the same snapshot version (not executed again). */
  rendered = false;
  /** Whether the request called the PVWA for anything but the event list (risk events, say). */
  calledBeyondEvents = false;
  /** The id (SHA-256 hex) of the trusted document the request ran, when it ran one. */
  documentId: string | null = null;
  /** Bulk items by outcome code, when the request ran a bulk mutation. */
  items: Record<string, number> | null = null;
  /** performance.now() when the request arrived. */
  readonly arrivedAt = performance.now();
  private ended = false;
  /** The room its answer holds in the answer budget, given back when the request ends. */
  private answer: { resize(bytes: number): void; release(): void } | null = null;

  constructor(
    readonly requestId: string,
    private readonly telemetry: Telemetry,
    /** Its spans, when tracing is on. */
    readonly spans?: RequestSpans,
  ) {}

  /** The span the request's PVWA calls and reads are children of, when tracing is on. */
  get traceParent(): Span | undefined {
    return this.spans?.current;
  }

  /** An upstream call made for this request (the client reports each one here). */
  upstreamCall(call: PvwaCall): void {
    // A call that never left the list queue (its deadline passed first) reached no PVWA.
    if (call.attempts > 0) this.upstreamCalls++;
    if (call.endpoint !== 'getEvents') this.calledBeyondEvents = true;
    this.upstreamMs += call.durationMs;
    this.telemetry.upstreamCall(call, this.requestId);
  }

  /** The request named a trusted document (by id or by its exact text). */
  trustedDocument(id: string): void {
    this.documentId = id;
  }

  /** The operation the request runs: its name (null when anonymous) and type. Its span begins, when tracing is on. */
  operation(name: string | null, type: string): void {
    this.operationName = name;
    this.operationType = type;
    this.spans?.operationStarted(name, type);
  }

  /** The operation's result is complete (its span ends with the outcome so far, when tracing is on). */
  operationDone(): void {
    this.spans?.operationDone(this.outcome);
  }

  /** The answer was one rendered earlier from the same snapshot version, for the same operation (not executed again). */
  servedRendered(name: string | null, type: string | null): void {
    this.rendered = true;
    this.operationName = name;
    this.operationType = type;
    this.spans?.servedRendered(name, type);
  }

  /** An event list read the request made, and how it was served. */
  eventsRead(kind: ReadKind): void {
    if (this.read === null || READ_RANK[kind] > READ_RANK[this.read]) this.read = kind;
  }

  /** A CPM or PSM action sent to the PVWA, logged and counted as it ends. */
  actionDone(done: PvwaActionDone): void {
    this.telemetry.actionDone(done, this.requestId);
  }

  /** A bulk mutation's items, counted by outcome (OK or the item's error code). */
  itemsDone(counts: Record<string, number>): void {
    this.items = counts;
  }

  /** The first error's code decides the outcome. */
  failed(code: string): void {
    if (this.outcome === 'OK') this.outcome = code;
  }

  /** Room held for the answer until the request ends (its answer written, or its client gone). */
  holdAnswer(reservation: { resize(bytes: number): void; release(): void }): void {
    this.answer?.release();
    this.answer = reservation;
  }

  /** The answer's real size, once rendered. */
  answerRendered(bytes: number): void {
    this.answer?.resize(bytes);
  }

  /** The answer is done (or cut short): one log line and one metrics sample, once. */
  end(status: number): void {
    if (this.ended) return;
    this.ended = true;
    this.answer?.release();
    this.answer = null;
    // A 500 is a failure of the gateway whatever an earlier error said (the answer failed after it).
    if (status === 500) this.outcome = 'INTERNAL_SERVER_ERROR';
    else if (status >= 500) this.failed('INTERNAL_SERVER_ERROR');
    else if (status >= 400) this.failed('BAD_REQUEST');
    this.spans?.ended(status, this.outcome);
    this.telemetry.requestEnded(this, status, performance.now() - this.arrivedAt);
  }
}

/** The logger, the metrics and the tracing, and the records that feed them. */
export class Telemetry {
  constructor(
    readonly logger: Logger,
    readonly metrics: Metrics,
    /** OpenTelemetry tracing; undefined when it is off, and then no span is made anywhere. */
    readonly tracing?: Tracing,
  ) {}

  /** A new request arrived; its spans start from `source` when tracing is on. */
  begin(requestIdHeader: string | undefined, source?: TraceSource): RequestRecord {
    this.metrics.inFlight.inc();
    const spans = this.tracing !== undefined && source !== undefined ? RequestSpans.start(this.tracing, source) : undefined;
    return new RequestRecord(requestIdFrom(requestIdHeader), this, spans);
  }

  /**
   * A span for work outside any request (a WebSocket's connection check): a server span in the
   * trace of `caller`'s headers. Undefined when tracing is off.
   */
  startSpan(name: string, caller: IncomingHttpHeaders): Span | undefined {
    return this.tracing?.start(name, this.tracing.callerSpan(caller), { kind: 'server' });
  }

  /** Ends a span of `startSpan`, failed with `code` when one is given. */
  endSpan(span: Span | undefined, code?: string | number): void {
    if (span === undefined) return;
    if (code !== undefined) this.tracing?.fail(span, String(code));
    span.end();
  }

  /** An upstream call that belongs to no client request (e.g. a background poll). */
  upstreamCall(call: PvwaCall, requestId: string): void {
    this.metrics.pvwaCall(call);
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, ...call, durationMs: Math.round(call.durationMs * 100) / 100 }, 'pvwa call');
  }

  /** An action on a Vault object: one `info` line (never the token: the call's caller is not in it) and the metric. */
  actionDone(done: PvwaActionDone, requestId: string): void {
    this.metrics.pvwaAction(done.action, done.outcome);
    this.logger.info({ requestId, ...done }, 'pvwa action');
  }

  /**
   * A browser's request blocked by one of the gateway's own rules (CORS, CSRF, the WebSocket's
   * origin or session): one `info` line with the rule, why and from which origin (never a cookie
   * or token), and the metric. `details` says what it was about (the headers asked for, say).
   */
  blocked(rule: BlockRule, reason: string, origin: string | undefined, details: Record<string, unknown> = {}): void {
    this.metrics.blocked(rule);
    this.logger.info({ rule, reason, origin: origin ?? null, ...details }, 'request blocked');
  }

  requestEnded(record: RequestRecord, status: number, durationMs: number): void {
    this.metrics.inFlight.dec();
    this.metrics.graphqlRequest(record, durationMs);
    if (record.items !== null) this.metrics.bulkItems(record.items);
    if (!this.logger.isLevelEnabled('info')) return;
    const line: Record<string, unknown> = {
      requestId: record.requestId,
      operationName: record.operationName,
      operationType: record.operationType,
      outcome: record.outcome,
      upstreamCalls: record.upstreamCalls,
      upstreamMs: Math.round(record.upstreamMs * 100) / 100,
      status,
      durationMs: Math.round(durationMs * 100) / 100,
    };
    if (record.read !== null) line.read = record.read;
    if (record.rendered) line.rendered = true;
    if (record.documentId !== null) line.documentId = record.documentId;
    if (record.items !== null) line.items = record.items;
    if (record.spans !== undefined) {
      const { traceId, spanId } = record.spans.root.spanContext();
      line.traceId = traceId;
      line.spanId = spanId;
    }
    this.logger.info(line, 'graphql request');
  }
}
