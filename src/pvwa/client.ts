import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import got, { type Got, type NativeRequestOptions, type NormalizedOptions, type RequestError, type Response } from 'got';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { PvwaChallenge, PvwaError, type PvwaFailure } from './errors.js';
import { parseJson, pvwaErrorFrom, redirectFailure, shuttingDown, UNAVAILABLE_CODES, type UpstreamAnswer } from './failures.js';
import { EVENTS_PATH, eventPath, LOGOFF_PATH, logonPath } from './paths.js';
import type { EventStatusChange, LogonAnswer, LogonRequest, PvwaEvent, PvwaEventPatch, PvwaEventQuery, PvwaLogonBody } from './types.js';
import { eventProblem } from './validate.js';

export interface PvwaClientOptions {
  /** Base URL including the application path, e.g. https://pvwa.example.com/PasswordVault */
  baseUrl: string;
  /** Bound on each attempt. */
  timeoutMs: number;
  /** Bound on a whole call, retries and their waits included. */
  deadlineMs: number;
  /** Largest event list accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest other answer accepted (one event, an error), in bytes. */
  maxEventBytes: number;
  /** Most sockets open to the PVWA at once. */
  maxSockets: number;
  /** Extra CA certificates (PEM) trusted besides the system ones. */
  ca?: string;
  /** Skip TLS verification (a warning is logged on every call). */
  insecureTls?: boolean;
  /** Most event lists fetched (and held in memory) at once. */
  maxConcurrentLists: number;
  /** Retries of a GET (connection errors, 429, 502, 503, 504). */
  getRetries: number;
  /** Longest Retry-After honoured, in ms; a longer one fails the call at once. */
  maxRetryAfterMs: number;
  /** First backoff, in ms; doubles with each retry, with full jitter. */
  retryBaseMs: number;
  /** Told of each token the PVWA answered 401 (the session ended upstream: expired or logged off). */
  onTokenRejected?: (token: string) => void;
}

/** Who a call is made for: every PVWA call carries the caller's own token. */
export interface PvwaCaller {
  token: string;
  requestId: string;
  /** Told of each call made for this caller: the request's record, which logs and counts it. */
  observer: PvwaCallObserver;
}

/** A logon's caller: no token yet; a password never shown; the PVWA's cookies of the challenge it answers. */
interface LogonCaller extends Omit<PvwaCaller, 'token'> {
  token?: undefined;
  password: string;
  cookie?: string;
}
type Caller = PvwaCaller | LogonCaller;

/** One finished upstream call, for logs and metrics. */
export interface PvwaCall {
  endpoint: PvwaEndpoint;
  /** The PVWA's HTTP status; null when it did not answer. */
  status: number | null;
  durationMs: number;
  attempts: number;
  failure?: PvwaFailure;
}

/** What a resolver can ask of the PVWA, already bound to one caller. */
export interface PvwaApi {
  /** GET /API/pta/API/Events/: the raw list, each item unchecked, and its size. */
  getEvents(query: PvwaEventQuery): Promise<PvwaEventList>;
  /** PATCH /API/pta/API/Events/{id} with the PVWA body for `change`: the updated event, checked. */
  updateEvent(id: string, change: EventStatusChange): Promise<PvwaEvent>;
  /** POST /API/Auth/Logoff: ends the session of the bound token. */
  logoff(): Promise<void>;
}

/** A list as the PVWA answered it. */
export interface PvwaEventList {
  /** The items, each unchecked (pvwa/validate.ts checks them). */
  items: unknown[];
  /** Bytes of JSON received. */
  bytes: number;
}

/** Told of each finished upstream call, for logs and metrics. */
export interface PvwaCallObserver {
  upstreamCall(call: PvwaCall): void;
}

export type PvwaEndpoint = 'getEvents' | 'updateEvent' | 'logon' | 'logoff';

/** got's per-call `context`: what the retry policy needs to know of the call. */
interface CallContext {
  /** performance.now() by which the whole call must be done. */
  deadlineAt: number;
  [key: string]: unknown;
}

/**
 * A call's deadline, ended by its timer ('deadline') or by the gateway stopping its calls
 * ('shutdown'). A plain object rather than an AbortController: Node's AbortSignal, and what its
 * listeners reference, survives young-generation collections until the next full one, so one per
 * call grew the heap (see `send`).
 */
class Deadline {
  reason: 'deadline' | 'shutdown' | undefined;
  /** What to stop when it ends: the list-slot wait, then the got request under way. */
  onAbort: (() => void) | undefined;

  abort(reason: 'deadline' | 'shutdown'): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const onAbort = this.onAbort;
    this.onAbort = undefined;
    onAbort?.();
  }
}

/** A got request in stream mode (got's `Request`). */
type GotStream = ReturnType<Got['stream']>;

/** How the PVWA's certificate is verified: the system CAs plus PVWA_CA_FILE, unless PVWA_TLS_INSECURE. Readiness checks the same way. */
export function pvwaTlsOptions(options: { ca?: string; insecureTls?: boolean }): { ca?: string[]; rejectUnauthorized: boolean } {
  return { ca: options.ca ? [...rootCertificates, options.ca] : undefined, rejectUnauthorized: !options.insecureTls };
}

/**
 * got builds each call's `http.request` options as `{ ...cacheOptions, <35 more keys> }`, where
 * `cacheOptions` is itself a per-call spread copy of got's four (unused) cache settings. On
 * Node 20's V8, adding keys to a spread of a spread copy makes fresh hidden classes on every call:
 * about 11 KB per call that outlives young-generation collections, is promoted to the old
 * generation and then grows the heap (measured in docs/PERFORMANCE.md, "Memory"). We use no
 * HTTP cache, so the settings are emptied before the options are built: an empty spread adds no
 * class. `cacheOptions` is got's public option and is read only when `cache` is set.
 */
function emptyCacheOptions(options: NormalizedOptions): void {
  options.cacheOptions = {};
}

/**
 * got's `request` function: Node's own, given only the options got set. got hands it an object of
 * some 35 options, most of them undefined, which Node copies twice more (ClientRequest, then the
 * agent): passing the defined ones only saves 9 KB and about 10 us per call (docs/PERFORMANCE.md).
 */
function leanRequest(url: URL, options: NativeRequestOptions, callback?: (response: IncomingMessage) => void): ClientRequest {
  const lean: Record<string, unknown> = {};
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) lean[key] = value;
  }
  return (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, lean as RequestOptions, callback);
}

/** The PVWA's PATCH body for a status change: the PVWA's field names and spelling (NOT_REAL is NOTREAL). */
export function statusPatch(change: EventStatusChange): PvwaEventPatch {
  const patch: PvwaEventPatch = { mStatus: change.status };
  if (change.closeReason != null) patch.closeReason = change.closeReason === 'NOT_REAL' ? 'NOTREAL' : change.closeReason;
  if (change.reasonText != null) patch.reasonText = change.reasonText;
  return patch;
}


export class PvwaClient {
  /** One got instance per endpoint, so a call only passes what varies: token, query, body. */
  private readonly http: Record<PvwaEndpoint, Got>;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  private readonly listGate: LimitFunction;
  /** The deadlines of the calls under way (queued for a list slot included). */
  private readonly calls = new Set<Deadline>();
  private stopping = false;

  constructor(
    private readonly options: PvwaClientOptions,
    private readonly logger: Logger,
  ) {
    this.listGate = pLimit(options.maxConcurrentLists);
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets };
    this.agents = {
      http: new HttpAgent(agentOptions),
      https: new HttpsAgent({ ...agentOptions, ...pvwaTlsOptions(options) }),
    };
    // All defaults in one place; per call only the caller's headers, the query and the body vary.
    const base = got.extend({
      prefixUrl: options.baseUrl.replace(/\/+$/, '') + '/',
      agent: this.agents,
      timeout: { request: options.timeoutMs },
      responseType: 'text',
      followRedirect: false,
      headers: { accept: 'application/json', 'user-agent': 'pta-gateway' },
      hooks: { beforeRequest: [emptyCacheOptions] },
      request: leanRequest,
      retry: {
        limit: 0,
        noise: 0,
        maxRetryAfter: options.maxRetryAfterMs,
        enforceRetryRules: true,
        // got's own rules decide whether to retry and honour Retry-After (computedValue);
        // only the backoff itself is ours: short, exponential, with full jitter.
        // A retry that could not start before the call's deadline is not waited for: the call
        // fails at once with what the PVWA last said (0 means no retry, so got throws that answer).
        calculateDelay: ({ attemptCount, retryAfter, computedValue, error }) => {
          if (computedValue === 0) return 0;
          const delay = retryAfter !== undefined ? computedValue : Math.random() * options.retryBaseMs * 2 ** (attemptCount - 1) + 1;
          const { deadlineAt } = error.options.context as CallContext;
          return performance.now() + delay < deadlineAt ? delay : 0;
        },
      },
    });
    this.http = {
      getEvents: base.extend({
        method: 'GET',
        retry: { limit: options.getRetries, methods: ['GET'], statusCodes: [429, 502, 503, 504], errorCodes: [...UNAVAILABLE_CODES] },
      }),
      updateEvent: base.extend({
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        // Setting a status is idempotent: repeating the PATCH leaves the event as one PATCH would.
        // Still, it is retried only once and only when the PVWA surely did not act on it or said
        // it could not (refused or reset connection, 502/503/504), never on a timeout.
        retry: { limit: 1, methods: ['PATCH'], statusCodes: [502, 503, 504], errorCodes: ['ECONNREFUSED', 'ECONNRESET'] },
      }),
      // Never retried: a repeated logon can count twice against the user's lockout, or spend a
      // one-time code; a repeated logoff is pointless.
      logon: base.extend({ method: 'POST', headers: { 'content-type': 'application/json' }, retry: { limit: 0 } }),
      logoff: base.extend({ method: 'POST', retry: { limit: 0 } }),
    };
  }

  /** A client for one caller; cheap, made per request. */
  bind(caller: PvwaCaller): PvwaApi {
    return {
      getEvents: (query) => this.getEvents(caller, query),
      updateEvent: (id, change) => this.updateEvent(caller, id, change),
      logoff: async () => {
        await this.call('logoff', caller, LOGOFF_PATH);
      },
    };
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
   * POST /API/auth/{method}/Logon (no token: it makes one). The PVWA answers the token as a JSON
   * string, or asks for another factor (ITATS542I: a challenge, with cookies to send back). A
   * 401 or 403 is a refused logon. Never retried.
   */
  async logon(request: LogonRequest, caller: Omit<PvwaCaller, 'token'>): Promise<LogonAnswer> {
    const body: PvwaLogonBody = { username: request.username, password: request.password };
    if (request.cookies === undefined) body.concurrentSession = request.concurrentSession ?? false;
    const logonCaller: LogonCaller = { ...caller, password: request.password, cookie: request.cookies?.join('; ') || undefined };
    try {
      const { body: token } = await this.call('logon', logonCaller, logonPath(request.method), JSON.stringify(body));
      if (typeof token !== 'string' || token === '') throw new PvwaError('bad-response', 'The PVWA did not answer the logon with a session token.', { status: 200 });
      return { token };
    } catch (error) {
      if (error instanceof PvwaChallenge) return { challenge: error.message, cookies: error.cookies };
      const refused = error instanceof PvwaError && error.failure === 'status' && (error.details.status === 401 || error.details.status === 403);
      if (!refused) throw error;
      throw new PvwaError('refused', error.details.fromPvwa ? error.message : 'The PVWA refused the logon.', error.details);
    }
  }

  /** Closes the pooled sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async getEvents(caller: PvwaCaller, query: PvwaEventQuery): Promise<PvwaEventList> {
    const searchParams = new URLSearchParams();
    if (query.fromUpdateDate !== undefined) searchParams.set('fromUpdateDate', String(query.fromUpdateDate));
    if (query.status !== undefined) searchParams.set('status', query.status);
    if (query.accountID !== undefined) searchParams.set('accountID', query.accountID);
    const search = searchParams.size > 0 ? `?${searchParams}` : '';
    const { body, bytes } = await this.call('getEvents', caller, EVENTS_PATH + search);
    if (!Array.isArray(body)) throw new PvwaError('bad-response', 'The PVWA answered with something other than a list of events.', { status: 200 });
    return { items: body, bytes };
  }

  private async updateEvent(caller: PvwaCaller, id: string, change: EventStatusChange): Promise<PvwaEvent> {
    const { body } = await this.call('updateEvent', caller, eventPath(id), JSON.stringify(statusPatch(change)));
    const problem = eventProblem(body);
    if (problem) {
      this.logger.warn({ endpoint: 'updateEvent', problem }, 'PVWA answered the PATCH with something that is not an event');
      throw new PvwaError('bad-response', 'The PVWA did not answer with a security event.', { status: 200 });
    }
    return body as PvwaEvent;
  }

  /**
   * One upstream call: the caller's token and request id on it, the overall deadline around it
   * (queueing for a list slot included), and the answer parsed as JSON.
   */
  private async call(endpoint: PvwaEndpoint, caller: Caller, path: string, body?: string): Promise<{ body: unknown; bytes: number }> {
    const started = performance.now();
    const context: CallContext = { deadlineAt: started + this.options.deadlineMs };
    const deadline = new Deadline();
    if (this.stopping) deadline.abort('shutdown');
    // Cleared as soon as the call settles, so neither the timer nor what it references outlives it.
    const deadlineTimer = setTimeout(() => deadline.abort('deadline'), this.options.deadlineMs);
    this.calls.add(deadline);
    try {
      const send = () => this.send(endpoint, caller, path, body, deadline, context, started);
      const answer = endpoint === 'getEvents' ? await this.throughListGate(send, deadline, caller, started) : await send();
      // The answer to a Logoff means nothing.
      if (endpoint === 'logoff') return { body: undefined, bytes: answer.rawBody.length };
      const parsed = parseJson(answer);
      if (parsed === undefined) {
        throw new PvwaError('bad-response', 'The PVWA answered with a body that is not JSON.', { status: answer.statusCode });
      }
      return { body: parsed, bytes: answer.rawBody.length };
    } finally {
      clearTimeout(deadlineTimer);
      this.calls.delete(deadline);
    }
  }

  /**
   * Lists are large (2,000 events are 2.6 MB of JSON, several times that once parsed), so only
   * PVWA_MAX_CONCURRENT_LISTS of them are fetched and held at once; the others wait their turn,
   * within their deadline. This bounds memory under load without limiting the small PATCHes.
   */
  private throughListGate(send: () => Promise<UpstreamAnswer>, deadline: Deadline, caller: Caller, started: number): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      let running = false;
      // Only a call still waiting for its slot is failed here; a running one fails in send().
      const onAbort = () => {
        if (running) return;
        const failure = deadline.reason === 'shutdown' ? shuttingDown(0) : new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts: 0 });
        this.report(caller, { endpoint: 'getEvents', status: null, durationMs: performance.now() - started, attempts: 0, failure: failure.failure });
        reject(failure);
      };
      if (deadline.reason !== undefined) return onAbort();
      deadline.onAbort = onAbort;
      this.listGate(() => {
        if (deadline.reason !== undefined) return Promise.resolve(undefined);
        running = true;
        return send();
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
   * the buffers) alive through every young-generation collection until the next full one, so
   * about 14 KB per call was promoted to the old generation and grew the heap; the stream costs
   * about 0.1 ms less per call as well (docs/PERFORMANCE.md, "Memory"). Retries stay got's own:
   * got emits `retry` after its backoff (our calculateDelay), and the next attempt is got's
   * retry stream. The deadline destroys the attempt under way.
   */
  private send(endpoint: PvwaEndpoint, caller: Caller, path: string, body: string | undefined, deadline: Deadline, context: CallContext, started: number): Promise<UpstreamAnswer> {
    if (this.options.insecureTls) this.logger.warn({ endpoint }, 'calling the PVWA without TLS verification');
    // Only a list may be large; any other answer (an event, an error) is one object.
    const cap = endpoint === 'getEvents' ? this.options.maxBodyBytes : this.options.maxEventBytes;
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      let tooBig = false;
      let settled = false;
      let current: GotStream;
      // Also the deadline's handler (called without arguments): it stops the attempt under way, or
      // the wait before a retry. Not a closure of its own: one more closure per call, stored on
      // the deadline, made V8 keep every call's objects (got's Request, the ClientRequest, the
      // answer) through young collections until the next full one: 13.6 KB promoted and 80 us
      // more per call, measured with --trace-gc-nvp (docs/PERFORMANCE.md, "Memory").
      const fail = (error?: unknown, attempts?: number) => {
        if (settled) return;
        if (attempts === undefined) {
          current.destroy();
          attempts = 1 + current.retryCount;
        }
        settled = true;
        deadline.onAbort = undefined;
        let failure: PvwaError;
        if (error instanceof PvwaError) failure = error;
        else if (deadline.reason === 'shutdown') failure = shuttingDown(attempts);
        else if (deadline.reason === 'deadline') failure = new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts });
        else if (tooBig) failure = new PvwaError('bad-response', 'The PVWA answer was larger than allowed.', { attempts });
        else failure = pvwaErrorFrom(error, caller.token ?? caller.password, attempts, this.logger, caller.requestId);
        this.report(caller, { endpoint, status: failure.details.status ?? null, durationMs: performance.now() - started, attempts: failure.details.attempts ?? attempts, failure: failure.failure });
        if (failure.details.status === 401 && caller.token !== undefined) this.options.onTokenRejected?.(caller.token);
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
          deadline.onAbort = undefined;
          this.report(caller, { endpoint, status: answer.statusCode, durationMs: performance.now() - started, attempts: 1 + answer.retryCount });
          resolve(answer);
        });
        stream.once('error', (error: RequestError) => fail(error, 1 + (error.request?.retryCount ?? stream.retryCount)));
        stream.once('retry', (_retryCount: number, _error: RequestError, createRetryStream: () => GotStream) => {
          if (!settled) attempt(createRetryStream());
        });
        // A stream without a body waits for one to be written, unless its method cannot have one.
        if (body === undefined && endpoint !== 'getEvents') stream.end();
      };
      const headers = caller.token !== undefined ? { authorization: caller.token, 'x-request-id': caller.requestId } : { cookie: caller.cookie, 'x-request-id': caller.requestId };
      // Not got's `.stream()`: it spreads the options into a new object with `isStream` added,
      // which on Node 20's V8 makes a fresh hidden class on every call (see emptyCacheOptions).
      attempt(this.http[endpoint](path, { body, headers, context, isStream: true }));
      deadline.onAbort = fail;
      if (deadline.reason !== undefined) fail();
    });
  }

  private report(caller: Caller, call: PvwaCall): void {
    caller.observer.upstreamCall(call);
  }
}
