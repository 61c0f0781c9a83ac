import type { RequestError } from 'got';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_RESEND_COUNT, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_PVWA_ENDPOINT, ATTR_PVWA_LOGON_CHALLENGE,
  ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_FULL, ATTR_URL_PATH, ATTR_URL_TEMPLATE,
} from '../tracing/semconv.js';
import type { Span, Tracing } from '../tracing/tracing.js';
import { ENDPOINT_TEMPLATES, type PvwaEndpoint } from './endpoints.js';
import { PvwaChallenge, type PvwaError } from './errors.js';

/**
 * The spans of PVWA calls, in OpenTelemetry's HTTP client conventions: one client span per
 * attempt (a retry is a span of its own, with `http.request.resend_count`), each attempt sending
 * its own span's `traceparent`, so the PVWA's logs join the trace; and a span for the wait of a
 * list call for its slot. What a span says of a call: the method, the path as sent, its template,
 * the query string's names with every value `REDACTED`, the status, the failure. Never a header
 * (the token, the logon's cookies), a body (a password) or a query value.
 */
export class PvwaSpans {
  private readonly prefix: URL;
  private readonly address: string;
  private readonly port: number;

  constructor(
    readonly tracing: Tracing,
    baseUrl: string,
  ) {
    this.prefix = new URL(baseUrl.replace(/\/+$/, '') + '/');
    this.address = this.prefix.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(this.prefix.port || (this.prefix.protocol === 'https:' ? 443 : 80));
  }

  /** The spans of one call of `endpoint` to `path` (relative to the base URL, query included), under `parent`. */
  call(endpoint: PvwaEndpoint, method: string, path: string, parent: Span | undefined): CallSpans {
    const url = new URL(path, this.prefix);
    const names = [...new Set(url.searchParams.keys())];
    const query = names.length > 0 ? `?${names.map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&')}` : '';
    const template = `${this.prefix.pathname}${ENDPOINT_TEMPLATES[endpoint]}`;
    return new CallSpans(this.tracing, parent, `${method} ${template}`, {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_FULL]: `${url.origin}${url.pathname}${query}`,
      [ATTR_URL_PATH]: url.pathname,
      [ATTR_URL_TEMPLATE]: template,
      [ATTR_SERVER_ADDRESS]: this.address,
      [ATTR_SERVER_PORT]: this.port,
      [ATTR_PVWA_ENDPOINT]: endpoint,
    });
  }
}

/** One call's spans: its wait for a list slot, then its attempts, one at a time. */
export class CallSpans {
  private wait: Span | undefined;
  private attempt: Span | undefined;

  constructor(
    private readonly tracing: Tracing,
    private readonly parent: Span | undefined,
    private readonly name: string,
    private readonly attributes: Record<string, string | number>,
  ) {}

  /** The call waits for a list slot (PVWA_MAX_CONCURRENT_LISTS are taken). */
  waiting(): void {
    this.wait = this.tracing.start('PVWA list slot', this.parent, { attributes: { [ATTR_PVWA_ENDPOINT]: this.attributes[ATTR_PVWA_ENDPOINT] } });
  }

  /** The call has its slot. */
  waited(): void {
    this.wait?.end();
    this.wait = undefined;
  }

  /** The first attempt begins: its span, and its `traceparent` in `headers`. */
  first(headers: Record<string, string | undefined>): void {
    this.begin(0, headers);
  }

  /**
   * got retries after `error`: that attempt's span ends when it failed (got's timings), the next
   * one's begins. Answers the headers got's retry stream adds to the call's: the new traceparent.
   */
  retry(resendCount: number, error: RequestError): Record<string, string | undefined> {
    const span = this.attempt;
    if (span !== undefined) {
      const status = error.response?.statusCode;
      if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      this.tracing.fail(span, status !== undefined ? String(status) : (error.code ?? error.name));
      span.end(error.timings?.error ?? error.timings?.end);
    }
    const headers: Record<string, string | undefined> = {};
    this.begin(resendCount, headers);
    return headers;
  }

  /** The call ended: answered with `status`, or failed with `error` (a RADIUS challenge is an answer, not a failure). */
  end(status: number | null, error?: PvwaError): void {
    if (this.wait !== undefined) {
      if (error !== undefined) this.tracing.fail(this.wait, error.failure);
      this.waited();
    }
    const span = this.attempt;
    if (span === undefined) return;
    this.attempt = undefined;
    if (status !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (error instanceof PvwaChallenge) span.setAttribute(ATTR_PVWA_LOGON_CHALLENGE, true);
    else if (error !== undefined) this.tracing.fail(span, status !== null && status >= 400 ? String(status) : error.failure);
    span.end();
  }

  private begin(resendCount: number, headers: Record<string, string | undefined>): void {
    const attributes = resendCount > 0 ? { ...this.attributes, [ATTR_HTTP_REQUEST_RESEND_COUNT]: resendCount } : this.attributes;
    this.attempt = this.tracing.start(this.name, this.parent, { kind: 'client', attributes });
    this.tracing.inject(this.attempt, headers);
  }
}
