import type { IncomingMessage } from 'node:http';
import {
  ATTR_ERROR_TYPE, ATTR_GRAPHQL_OPERATION_NAME, ATTR_GRAPHQL_OPERATION_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE,
  ATTR_RENDERED, ATTR_URL_PATH, ATTR_URL_SCHEME,
} from '../tracing/semconv.js';
import type { Span, Tracing } from '../tracing/tracing.js';

/**
 * A request's spans, kept by its request record when tracing is on. Over HTTP: a server span
 * (`POST /graphql`) in the caller's trace (its `traceparent`; a new trace without one), and under
 * it one span for the GraphQL operation, from the moment it is resolved to its result. Over
 * WebSocket: each operation is one server span, the root of a trace of its own (a socket lives for
 * hours; its operations are not one trace), linked to the socket's connection span.
 *
 * What a span says: the method, the path (never the query string: a GET carries the document and
 * its variables there), the status, the operation's type and name (never its document or
 * variables), and the gateway's error code of a failure.
 */

/** Where a request's spans start: an HTTP request, or a WebSocket operation of a connection (its span when it has one). */
export type TraceSource = { http: IncomingMessage } | { webSocket: Span | undefined };

/** The name of an operation's span, as the GraphQL conventions give it. */
const operationName = (name: string | null, type: string) => (name === null ? type : `${type} ${name}`);

export class RequestSpans {
  private operation: Span | undefined;
  private operationEnded = false;

  private constructor(
    private readonly tracing: Tracing,
    /** The request's own span: the HTTP server span, or a WebSocket operation's span. */
    readonly root: Span,
    /** Whether it is also the operation's span (WebSocket). */
    private readonly rootIsOperation: boolean,
  ) {
    if (rootIsOperation) this.operation = root;
  }

  static start(tracing: Tracing, source: TraceSource): RequestSpans {
    if ('webSocket' in source) {
      const links = source.webSocket === undefined ? undefined : [source.webSocket];
      return new RequestSpans(tracing, tracing.start('GraphQL Operation', undefined, { kind: 'server', links }), true);
    }
    const req = source.http;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const root = tracing.start(`${method} ${path}`, tracing.callerSpan(req.headers), {
      kind: 'server',
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path, [ATTR_URL_SCHEME]: 'http', [ATTR_HTTP_ROUTE]: path },
    });
    return new RequestSpans(tracing, root, false);
  }

  /** The parent of what the request does next: its operation's span once there is one, else its own. */
  get current(): Span {
    return this.operation ?? this.root;
  }

  /** The operation is known. Over HTTP its span begins; over WebSocket the request's own span is named for it. */
  operationStarted(name: string | null, type: string): void {
    const attributes = name === null ? { [ATTR_GRAPHQL_OPERATION_TYPE]: type } : { [ATTR_GRAPHQL_OPERATION_TYPE]: type, [ATTR_GRAPHQL_OPERATION_NAME]: name };
    if (this.rootIsOperation) {
      this.root.updateName(operationName(name, type));
      this.root.setAttributes(attributes);
    } else if (this.operation === undefined) {
      this.operation = this.tracing.start(operationName(name, type), this.root, { attributes });
    }
  }

  /** The operation's result is complete, with `outcome` (OK or the first error's code): over HTTP its span ends. */
  operationDone(outcome: string): void {
    if (this.rootIsOperation || this.operation === undefined || this.operationEnded) return;
    this.operationEnded = true;
    if (outcome !== 'OK') this.tracing.fail(this.operation, outcome);
    this.operation.end();
  }

  /** The answer was one rendered earlier: the operation's span says so, and ends at once. */
  servedRendered(name: string | null, type: string | null): void {
    if (type === null) return;
    this.operationStarted(name, type);
    this.current.setAttribute(ATTR_RENDERED, true);
    this.operationDone('OK');
  }

  /** The request ended with `status` (HTTP; 200 for a WebSocket operation) and `outcome`. */
  ended(status: number, outcome: string): void {
    this.operationDone(outcome);
    if (this.rootIsOperation) {
      if (outcome !== 'OK') this.tracing.fail(this.root, outcome);
    } else {
      this.root.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // The HTTP conventions: a server span fails on 5xx only; a client's mistake is not the server's.
      if (status >= 500) this.tracing.fail(this.root, outcome);
      else if (outcome !== 'OK') this.root.setAttribute(ATTR_ERROR_TYPE, outcome);
    }
    this.root.end();
  }
}
