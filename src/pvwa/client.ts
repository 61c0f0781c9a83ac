import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import got, { type Got, type RequestError, type Response } from 'got';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { PvwaChallenge, PvwaError, type PvwaFailure } from './errors.js';
import { parseJson, pvwaErrorFrom, redirectFailure, shuttingDown, UNAVAILABLE_CODES } from './failures.js';
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

/** Why a call's signal was aborted when the gateway stops its calls (else it is the deadline). */
const SHUTDOWN = Symbol('gateway shutting down');

/** How the PVWA's certificate is verified: the system CAs plus PVWA_CA_FILE, unless PVWA_TLS_INSECURE. Readiness checks the same way. */
export function pvwaTlsOptions(options: { ca?: string; insecureTls?: boolean }): { ca?: string[]; rejectUnauthorized: boolean } {
  return { ca: options.ca ? [...rootCertificates, options.ca] : undefined, rejectUnauthorized: !options.insecureTls };
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
  /** The deadline controllers of the calls under way (queued for a list slot included). */
  private readonly calls = new Set<AbortController>();
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
    for (const call of this.calls) call.abort(SHUTDOWN);
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
    // Not AbortSignal.timeout(): its timer, and the request it references, would live for the
    // whole deadline after the call ended; this one is cleared as soon as the call settles.
    const deadline = new AbortController();
    if (this.stopping) deadline.abort(SHUTDOWN);
    const deadlineTimer = setTimeout(() => deadline.abort(), this.options.deadlineMs);
    this.calls.add(deadline);
    try {
      const send = () => this.send(endpoint, caller, path, body, deadline.signal, context, started);
      const response = endpoint === 'getEvents' ? await this.throughListGate(send, deadline.signal, caller, started) : await send();
      // The answer to a Logoff means nothing.
      if (endpoint === 'logoff') return { body: undefined, bytes: response.rawBody.length };
      const parsed = parseJson(response);
      if (parsed === undefined) {
        throw new PvwaError('bad-response', 'The PVWA answered with a body that is not JSON.', { status: response.statusCode });
      }
      return { body: parsed, bytes: response.rawBody.length };
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
  private throughListGate(send: () => Promise<Response<string>>, signal: AbortSignal, caller: Caller, started: number): Promise<Response<string>> {
    return new Promise((resolve, reject) => {
      let running = false;
      // Only a call still waiting for its slot is failed here; a running one fails in send().
      const onAbort = () => {
        if (running) return;
        const failure = signal.reason === SHUTDOWN ? shuttingDown(0) : new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts: 0 });
        this.report(caller, { endpoint: 'getEvents', status: null, durationMs: performance.now() - started, attempts: 0, failure: failure.failure });
        reject(failure);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.listGate(() => {
        if (signal.aborted) return Promise.resolve(undefined);
        running = true;
        return send();
      }).then(
        (response) => {
          signal.removeEventListener('abort', onAbort);
          if (response) resolve(response);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** The got call itself; every failure becomes a PvwaError here and nowhere else. */
  private async send(endpoint: PvwaEndpoint, caller: Caller, path: string, body: string | undefined, signal: AbortSignal, context: CallContext, started: number): Promise<Response<string>> {
    let tooBig = false;
    if (this.options.insecureTls) this.logger.warn({ endpoint }, 'calling the PVWA without TLS verification');
    const request = this.http[endpoint](path, {
      body,
      headers: caller.token !== undefined ? { authorization: caller.token, 'x-request-id': caller.requestId } : { cookie: caller.cookie, 'x-request-id': caller.requestId },
      signal,
      context,
    });
    // Checked as the answer arrives: its announced length first (got reports it, with nothing
    // transferred yet, as the headers arrive), then what was read; so an answer over the cap costs
    // at most the cap. Only a list may be large; any other answer is one object.
    const cap = endpoint === 'getEvents' ? this.options.maxBodyBytes : this.options.maxEventBytes;
    request.on('downloadProgress', ({ transferred, total }) => {
      if ((transferred > cap || (total ?? 0) > cap) && !tooBig) {
        tooBig = true;
        request.cancel();
      }
    });
    try {
      const response = await request;
      const redirected = redirectFailure(response, this.logger);
      if (redirected) throw redirected;
      this.report(caller, { endpoint, status: response.statusCode, durationMs: performance.now() - started, attempts: 1 + response.retryCount });
      return response;
    } catch (error) {
      const attempts = 1 + ((error as RequestError).request?.retryCount ?? 0);
      let failure: PvwaError;
      if (error instanceof PvwaError) failure = error;
      else if (signal.reason === SHUTDOWN) failure = shuttingDown(attempts);
      else if (tooBig) failure = new PvwaError('bad-response', 'The PVWA answer was larger than allowed.', { attempts });
      else failure = pvwaErrorFrom(error, caller.token ?? caller.password, attempts, this.logger, caller.requestId);
      this.report(caller, { endpoint, status: failure.details.status ?? null, durationMs: performance.now() - started, attempts: failure.details.attempts ?? attempts, failure: failure.failure });
      if (failure.details.status === 401 && caller.token !== undefined) this.options.onTokenRejected?.(caller.token);
      throw failure;
    }
  }

  private report(caller: Caller, call: PvwaCall): void {
    caller.observer.upstreamCall(call);
  }
}
