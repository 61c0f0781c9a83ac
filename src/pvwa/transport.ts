import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Got, NativeRequestOptions, NormalizedOptions, RequestError, Response } from 'got';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Span, Tracing } from '../tracing/tracing.js';
import type { PvwaEndpoint } from './endpoints.js';
import { PvwaError, type PvwaFailure } from './errors.js';
import { pvwaErrorFrom, redirectFailure, shuttingDown, type UpstreamAnswer } from './failures.js';
import { PvwaSpans, type CallSpans } from './spans.js';

/**
 * How one call reaches the PVWA and comes back, whatever it asks: the deadline around it, the
 * list slots, got's stream with the size caps, the report of each call. What a call means (paths,
 * bodies, retry policy per endpoint) is the client's (client.ts).
 */

export { PVWA_ENDPOINTS, type PvwaEndpoint } from './endpoints.js';

/** The endpoints that fetch a list of events: they wait for a list slot and may be as large as PVWA_MAX_BODY_BYTES. */
const LIST_ENDPOINTS: ReadonlySet<PvwaEndpoint> = new Set(['getEvents', 'getRiskEvents']);

/** Who a call is made for: every PVWA call carries the caller's own token. */
export interface PvwaCaller {
  token: string;
  requestId: string;
  /** Told of each call made for this caller: the request's record, which logs and counts it. */
  observer: PvwaCallObserver;
}

/** A logon's caller: no token yet; a password never shown; the PVWA's cookies of the challenge it answers. */
export interface LogonCaller extends Omit<PvwaCaller, 'token'> {
  token?: undefined;
  password: string;
  cookie?: string;
}

export type Caller = PvwaCaller | LogonCaller;

/** One finished upstream call, for logs and metrics. */
export interface PvwaCall {
  endpoint: PvwaEndpoint;
  /** The PVWA's HTTP status; null when it did not answer. */
  status: number | null;
  durationMs: number;
  attempts: number;
  failure?: PvwaFailure;
}

/** Told of each finished upstream call, for logs and metrics. */
export interface PvwaCallObserver {
  upstreamCall(call: PvwaCall): void;
  /** The span the caller's calls are children of when tracing is on (the request's operation). */
  readonly traceParent?: Span;
}

/** got's per-call `context`: what the retry policy needs to know of the call. */
export interface CallContext {
  /** performance.now() by which the whole call must be done. */
  deadlineAt: number;
  [key: string]: unknown;
}

/** How the PVWA's certificate is verified: the system CAs plus PVWA_CA_FILE, unless PVWA_TLS_INSECURE. Readiness checks the same way. */
export function pvwaTlsOptions(options: { ca?: string; insecureTls?: boolean }): { ca?: string[]; rejectUnauthorized: boolean } {
  return { ca: options.ca ? [...rootCertificates, options.ca] : undefined, rejectUnauthorized: !options.insecureTls };
}

/**
 * got builds each call's `http.request` options as `{ ...cacheOptions, <35 more keys> }`, where
 * `cacheOptions` is itself a per-call spread copy of got's four (unused) cache settings. On
 * Node 20's V8, adding keys to a spread of a spread copy makes fresh hidden classes on every call,
 * which outlive young-generation collections and grow the heap (measured in docs/PERFORMANCE.md,
 * "Memory"). We use no HTTP cache, so the settings are emptied before the options are built: an
 * empty spread adds no class. `cacheOptions` is got's public option, read only when `cache` is set.
 */
export function emptyCacheOptions(options: NormalizedOptions): void {
  options.cacheOptions = {};
}

/**
 * got's `request` function: Node's own, given only the options got set. got hands it an object of
 * some 35 options, most of them undefined, which Node copies twice more (ClientRequest, then the
 * agent): passing the defined ones only saves memory and time per call (docs/PERFORMANCE.md).
 */
export function leanRequest(url: URL, options: NativeRequestOptions, callback?: (response: IncomingMessage) => void): ClientRequest {
  const lean: Record<string, unknown> = {};
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) lean[key] = value;
  }
  return (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, lean as RequestOptions, callback);
}

/** A got request in stream mode (got's `Request`). */
type GotStream = ReturnType<Got['stream']>;

/**
 * One call under way: what it asks, for whom, since when, and how it may end early: by its
 * deadline ('deadline') or because the gateway stops its calls ('shutdown'). A plain object
 * rather than an AbortController: Node's AbortSignal, and what its listeners reference, survives
 * young-generation collections until the next full one, so one per call grew the heap.
 */
class Call {
  reason: 'deadline' | 'shutdown' | undefined;
  /** What to stop when it ends: the list-slot wait, then the got request under way. */
  onAbort: (() => void) | undefined;
  readonly context: CallContext;
  /** Its spans, when tracing is on. */
  spans: CallSpans | undefined = undefined;

  constructor(
    readonly endpoint: PvwaEndpoint,
    readonly caller: Caller,
    readonly path: string,
    readonly body: string | undefined,
    readonly startedAt: number,
    deadlineMs: number,
  ) {
    this.context = { deadlineAt: startedAt + deadlineMs };
  }

  abort(reason: 'deadline' | 'shutdown'): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const onAbort = this.onAbort;
    this.onAbort = undefined;
    onAbort?.();
  }

  /** Tells the caller's observer how the call ended, and ends its spans. */
  report(status: number | null, attempts: number, error?: PvwaError): void {
    this.spans?.end(status, error);
    const done: PvwaCall = { endpoint: this.endpoint, status, durationMs: performance.now() - this.startedAt, attempts };
    if (error !== undefined) done.failure = error.failure;
    this.caller.observer.upstreamCall(done);
  }
}

export interface TransportOptions {
  /** Bound on a whole call, retries and their waits included. */
  deadlineMs: number;
  /** Largest event list accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest other answer accepted (one event, an error), in bytes. */
  maxEventBytes: number;
  /** Most event lists fetched (and held in memory) at once. */
  maxConcurrentLists: number;
  /** TLS verification is off: logged on every call. */
  insecureTls?: boolean;
  /** The PVWA's base URL, for the client spans. */
  baseUrl: string;
  /** Tracing, when on: every call's spans, and its traceparent sent to the PVWA. */
  tracing?: Tracing;
}

export class PvwaTransport {
  private readonly listGate: LimitFunction;
  /** The calls under way (queued for a list slot included). */
  private readonly calls = new Set<Call>();
  private stopping = false;
  private readonly spans: PvwaSpans | undefined;

  constructor(
    private readonly options: TransportOptions,
    private readonly logger: Logger,
  ) {
    this.listGate = pLimit(options.maxConcurrentLists);
    this.spans = options.tracing && new PvwaSpans(options.tracing, options.baseUrl);
  }

  /**
   * Stops every call under way and refuses new ones: each fails at once as 'shutdown', so its
   * request is answered (SHUTTING_DOWN) rather than cut when shutdown closes the connections.
   */
  stopCalls(): void {
    this.stopping = true;
    for (const call of this.calls) call.abort('shutdown');
  }

  /**
   * One upstream call with `http` (the endpoint's got instance): the caller's token and request
   * id on it, the overall deadline around it (queueing for a list slot included). Every failure
   * is a PvwaError. Its spans are children of `parent`, else of the caller's.
   */
  async call(http: Got, endpoint: PvwaEndpoint, caller: Caller, path: string, body?: string, parent?: Span): Promise<UpstreamAnswer> {
    const call = new Call(endpoint, caller, path, body, performance.now(), this.options.deadlineMs);
    if (this.spans !== undefined) call.spans = this.spans.call(endpoint, http.defaults.options.method, path, parent ?? caller.observer.traceParent);
    if (this.stopping) call.abort('shutdown');
    // Cleared as soon as the call settles, so neither the timer nor what it references outlives it.
    const deadlineTimer = setTimeout(() => call.abort('deadline'), this.options.deadlineMs);
    this.calls.add(call);
    try {
      return LIST_ENDPOINTS.has(endpoint) ? await this.throughListGate(http, call) : await this.send(http, call);
    } finally {
      clearTimeout(deadlineTimer);
      this.calls.delete(call);
    }
  }

  /**
   * Lists are large (2,000 events are 2.6 MB of JSON, several times that once parsed), so only
   * PVWA_MAX_CONCURRENT_LISTS of them are fetched and held at once; the others wait their turn,
   * within their deadline. This bounds memory under load without limiting the small PATCHes.
   */
  private throughListGate(http: Got, call: Call): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      let running = false;
      // Only a call still waiting for its slot is failed here; a running one fails in send().
      const onAbort = () => {
        if (running) return;
        const failure = call.reason === 'shutdown' ? shuttingDown(0) : new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts: 0 });
        call.report(null, 0, failure);
        reject(failure);
      };
      if (call.reason !== undefined) return onAbort();
      call.onAbort = onAbort;
      if (call.spans !== undefined && this.listGate.activeCount + this.listGate.pendingCount >= this.listGate.concurrency) call.spans.waiting();
      this.listGate(() => {
        if (call.reason !== undefined) return Promise.resolve(undefined);
        running = true;
        call.spans?.waited();
        return this.send(http, call);
      }).then(
        (answer) => {
          if (answer) resolve(answer);
        },
        reject,
      );
    });
  }

  /**
   * The got call itself; every failure becomes a PvwaError here and nowhere else.
   *
   * got's stream interface, not its promise: the promise (a p-cancelable) and an AbortSignal per
   * call each keep the whole request (got's Request, Node's ClientRequest and IncomingMessage,
   * the buffers) alive through every young-generation collection until the next full one, which
   * grew the heap; the stream costs less time per call as well (docs/PERFORMANCE.md, "Memory").
   * Retries stay got's own: got emits `retry` after its backoff (the client's calculateDelay), and
   * the next attempt is got's retry stream. The deadline destroys the attempt under way.
   */
  private send(http: Got, call: Call): Promise<UpstreamAnswer> {
    const { endpoint, caller, body } = call;
    if (this.options.insecureTls) this.logger.warn({ endpoint }, 'calling the PVWA without TLS verification');
    // Only a list may be large; any other answer (an event, an error) is one object.
    const cap = LIST_ENDPOINTS.has(endpoint) ? this.options.maxBodyBytes : this.options.maxEventBytes;
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      let tooBig = false;
      let settled = false;
      let current: GotStream;
      // Also the call's abort handler (called without arguments): it stops the attempt under way,
      // or the wait before a retry. Not a closure of its own: one more closure per call, stored on
      // the call, made V8 keep every call's objects (got's Request, the ClientRequest, the answer)
      // through young collections until the next full one (docs/PERFORMANCE.md, "Memory").
      const fail = (error?: unknown, attempts?: number) => {
        if (settled) return;
        if (attempts === undefined) {
          current.destroy();
          attempts = 1 + current.retryCount;
        }
        settled = true;
        call.onAbort = undefined;
        let failure: PvwaError;
        if (error instanceof PvwaError) failure = error;
        else if (call.reason === 'shutdown') failure = shuttingDown(attempts);
        else if (call.reason === 'deadline') failure = new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts });
        else if (tooBig) failure = new PvwaError('bad-response', 'The PVWA answer was larger than allowed.', { attempts });
        else failure = pvwaErrorFrom(error, caller.token !== undefined ? { token: caller.token } : { token: caller.password, cookie: caller.cookie }, attempts, this.logger, caller.requestId);
        call.report(failure.details.status ?? null, failure.details.attempts ?? attempts, failure);
        reject(failure);
      };
      const attempt = (stream: GotStream) => {
        current = stream;
        const chunks: Buffer[] = [];
        let size = 0;
        let response: Response | undefined;
        // The cap is checked as the answer arrives (an error answer included, which got reads
        // itself, not through this stream): its announced length first, then the bytes read, once
        // decoded (a small gzip answer can expand past any cap); so an answer over the cap costs
        // at most the cap. The tap only counts: got's own reader is attached first, so the answer
        // does not start flowing early.
        stream.once('request', (request: ClientRequest) => {
          request.once('response', (native: IncomingMessage) => {
            let received = 0;
            const over = () => {
              tooBig = true;
              stream.destroy();
              fail(undefined, 1 + stream.retryCount);
            };
            if (Number(native.headers['content-length'] ?? 0) > cap) return over();
            // got has set its response by now: the decoded answer (the native one when not encoded).
            (stream.response ?? native).on('data', (chunk: Buffer) => {
              received += chunk.length;
              if (received > cap && !tooBig) over();
            });
          });
        });
        stream.once('response', (answer: Response) => {
          response = answer;
        });
        stream.on('data', (chunk: Buffer) => {
          // Capped by the tap above, which counts the same bytes as got reads them.
          if (tooBig) return;
          size += chunk.length;
          chunks.push(chunk);
        });
        stream.once('end', () => {
          if (settled || response === undefined) return;
          const rawBody = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
          const answer: UpstreamAnswer = {
            statusCode: response.statusCode, headers: response.headers, url: response.url, retryCount: stream.retryCount, rawBody, body: rawBody.toString(),
          };
          const redirected = redirectFailure(answer, this.logger);
          if (redirected) return fail(redirected, 1 + stream.retryCount);
          settled = true;
          call.onAbort = undefined;
          call.report(answer.statusCode, 1 + answer.retryCount);
          resolve(answer);
        });
        stream.once('error', (error: RequestError) => fail(error, 1 + (error.request?.retryCount ?? stream.retryCount)));
        stream.once('retry', (retryCount: number, error: RequestError, createRetryStream: (options?: { headers: Record<string, string | undefined> }) => GotStream) => {
          if (settled) return;
          // Traced, each attempt sends its own span's traceparent (got merges these headers into the call's).
          attempt(call.spans === undefined ? createRetryStream() : createRetryStream({ headers: call.spans.retry(retryCount, error) }));
        });
        // A stream without a body waits for one to be written, unless its method cannot have one
        // (got ends a GET itself).
        if (body === undefined && http.defaults.options.method !== 'GET') stream.end();
      };
      const headers = caller.token !== undefined ? { authorization: caller.token, 'x-request-id': caller.requestId } : { cookie: caller.cookie, 'x-request-id': caller.requestId };
      call.spans?.first(headers);
      // Not got's `.stream()`: it spreads the options into a new object with `isStream` added,
      // which on Node 20's V8 makes a fresh hidden class on every call (see emptyCacheOptions).
      attempt(http(call.path, { body, headers, context: call.context, isStream: true }));
      call.onAbort = fail;
      if (call.reason !== undefined) fail();
    });
  }
}
