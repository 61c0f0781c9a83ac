import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';
import type { Logger } from 'pino';
import type { Span, Tracing } from '../tracing/tracing.js';
import { PvwaChallenge, PvwaError, tokenRefusal, type TokenRefusal } from './errors.js';
import { parseJson, UNAVAILABLE_CODES } from './failures.js';
import {
  ACCOUNTS_PATH, CREDENTIALS_ACTIONS, EVENTS_PATH, eventPath, LIVE_SESSION_ACTIONS, LIVE_SESSIONS_PATH, LOGGED_ON_USER_PATH, LOGOFF_PATH, logonPath, resourcePath,
} from './paths.js';
import { PvwaRisks, type PvwaRiskApi } from './risks.js';
import {
  emptyCacheOptions, leanRequest, pvwaTlsOptions, PvwaTransport,
  type CallContext, type Caller, type LogonCaller, type PvwaCaller, type PvwaEndpoint,
} from './transport.js';
import type {
  CredentialsAction, EventStatusChange, LiveSessionAction, LogonAnswer, LogonRequest, PvwaChangeBody, PvwaEvent, PvwaEventPatch, PvwaEventQuery,
  PvwaLiveSession, PvwaLoggedOnUser, PvwaLogonBody,
} from './types.js';
import { eventProblem } from './validate.js';
import { liveSessionFrom, loggedOnUserFrom, vaultAccountFrom, type VaultAccountRead } from './vault.js';

export type { PvwaCall, PvwaCallObserver, PvwaCaller, PvwaEndpoint } from './transport.js';
export { pvwaTlsOptions } from './transport.js';

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
  /**
   * Told of each token the PVWA refused (401 or 403 to a call made with it), before the call's
   * error reaches its caller: the one place the gateway learns that a PVWA session is over.
   */
  onTokenRefused?: (token: string, refusal: TokenRefusal) => void;
  /** Tracing, when on: a client span per attempt, whose traceparent the PVWA receives. */
  tracing?: Tracing;
}

/** What a resolver can ask of the PVWA, already bound to one caller (the risk API's calls included). */
export interface PvwaApi extends PvwaRiskApi {
  /** GET /API/pta/API/Events/: the raw list, each item unchecked, and its size; its spans under `parent` (a snapshot read's) when given. */
  getEvents(query: PvwaEventQuery, parent?: Span): Promise<PvwaEventList>;
  /** PATCH /API/pta/API/Events/{id} with the PVWA body for `change`: the updated event, checked. */
  updateEvent(id: string, change: EventStatusChange): Promise<PvwaEvent>;
  /** POST /API/Auth/Logoff: ends the session of the bound token. */
  logoff(): Promise<void>;
  /** GET /API/Accounts/{id}: the Vault account, checked, and its size. */
  getAccount(id: string): Promise<VaultAccountRead>;
  /** GET /API/LiveSessions/{id}: the live PSM session; null when the PVWA lists none under that id. */
  getLiveSession(id: string): Promise<PvwaLiveSession | null>;
  /** GET /WebServices/PIMServices.svc/User: who the bound token belongs to. */
  getLoggedOnUser(): Promise<PvwaLoggedOnUser>;
  /** POST /API/Accounts/{id}/Change (with its body), /Verify or /Reconcile: the CPM is asked; never retried. */
  requestCredentialsAction(id: string, action: CredentialsAction, changeEntireGroup: boolean): Promise<void>;
  /** POST /API/LiveSessions/{id}/Terminate, /Suspend or /Resume: the PSM is asked; never retried. */
  controlLiveSession(id: string, action: LiveSessionAction): Promise<void>;
}

/**
 * The PVWA as the rest of the gateway depends on it (the client, or a fake in a unit test): calls
 * bound to one caller's token, and the logon that makes a token.
 */
export interface PvwaPort {
  bind(caller: PvwaCaller): PvwaApi;
  logon(request: LogonRequest, caller: Omit<PvwaCaller, 'token'>): Promise<LogonAnswer>;
}

/** A list as the PVWA answered it. */
export interface PvwaEventList {
  /** The items, each unchecked (pvwa/validate.ts checks them). */
  items: unknown[];
  /** Bytes of JSON received. */
  bytes: number;
}

/** The PVWA's PATCH body for a status change: the PVWA's field names and spelling (NOT_REAL is NOTREAL). */
export function statusPatch(change: EventStatusChange): PvwaEventPatch {
  const patch: PvwaEventPatch = { mStatus: change.status };
  if (change.closeReason != null) patch.closeReason = change.closeReason === 'NOT_REAL' ? 'NOTREAL' : change.closeReason;
  if (change.reasonText != null) patch.reasonText = change.reasonText;
  return patch;
}

/** The CPM and PSM actions: the PVWA answers them 200 with an empty body. */
const ACTIONS: ReadonlySet<PvwaEndpoint> = new Set(['credentialsAction', 'liveSessionAction']);

/**
 * Calls about one Vault object. A 403 there refuses the object (no permission on the account's
 * safe, not among the session's terminators), not the session: it ends nothing kept for it.
 */
const OBJECT_ENDPOINTS: ReadonlySet<PvwaEndpoint> = new Set(['getAccount', 'getLiveSession', 'credentialsAction', 'liveSessionAction']);

/**
 * The PVWA client: what each call means (path, body, retry policy per endpoint) and the answers
 * checked. How a call travels (deadline, list slots, size caps) is the transport's.
 */
export class PvwaClient implements PvwaPort {
  /** One got instance per endpoint, so a call only passes what varies: token, query, body. */
  private readonly http: Record<PvwaEndpoint, Got>;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  private readonly transport: PvwaTransport;
  private readonly risks: PvwaRisks;

  constructor(
    private readonly options: PvwaClientOptions,
    private readonly logger: Logger,
  ) {
    this.transport = new PvwaTransport(options, logger);
    this.risks = new PvwaRisks((endpoint, caller, path, body) => this.call(endpoint, caller, path, body), logger);
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
    // A read asks again on what says the PVWA could not answer: it changes nothing.
    const read = base.extend({
      method: 'GET',
      retry: { limit: options.getRetries, methods: ['GET'], statusCodes: [429, 502, 503, 504], errorCodes: [...UNAVAILABLE_CODES] },
    });
    const patch = base.extend({
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      // Setting a status is idempotent: repeating the PATCH leaves the event as one PATCH would.
      // Still, it is retried only once and only when the PVWA surely did not act on it or said
      // it could not (refused or reset connection, 502/503/504), never on a timeout.
      retry: { limit: 1, methods: ['PATCH'], statusCodes: [502, 503, 504], errorCodes: ['ECONNREFUSED', 'ECONNRESET'] },
    });
    this.http = {
      getEvents: read,
      getAccount: read,
      getLiveSession: read,
      getLoggedOnUser: read,
      updateEvent: patch,
      // The risk API's calls keep the same policies: its GETs are retried as the events' list is,
      // the PATCH of a risk event's status as a security event's.
      getRiskEvents: read,
      getRiskSummary: read,
      updateRiskEvent: patch,
      // Never retried: a repeated logon can count twice against the user's lockout, or spend a
      // one-time code; a repeated logoff is pointless.
      logon: base.extend({ method: 'POST', headers: { 'content-type': 'application/json' }, retry: { limit: 0 } }),
      logoff: base.extend({ method: 'POST', retry: { limit: 0 } }),
      // Never retried, whatever happened: the PVWA may have acted on a call whose answer was lost
      // (a reset, a timeout), and even a 503 is told as it is. A second Change rotates the
      // password again; a second Terminate can reach another session.
      credentialsAction: base.extend({ method: 'POST', headers: { 'content-type': 'application/json' }, retry: { limit: 0 } }),
      liveSessionAction: base.extend({ method: 'POST', retry: { limit: 0 } }),
    };
  }

  /** A client for one caller; cheap, made per request. */
  bind(caller: PvwaCaller): PvwaApi {
    return {
      getEvents: (query, parent) => this.getEvents(caller, query, parent),
      updateEvent: (id, change) => this.updateEvent(caller, id, change),
      logoff: async () => {
        await this.call('logoff', caller, LOGOFF_PATH);
      },
      getAccount: async (id) => {
        const { body, bytes } = await this.call('getAccount', caller, resourcePath(ACCOUNTS_PATH, id));
        return vaultAccountFrom(body, bytes);
      },
      getLiveSession: async (id) => liveSessionFrom((await this.call('getLiveSession', caller, resourcePath(LIVE_SESSIONS_PATH, id))).body, id),
      getLoggedOnUser: async () => loggedOnUserFrom((await this.call('getLoggedOnUser', caller, LOGGED_ON_USER_PATH)).body),
      requestCredentialsAction: async (id, action, changeEntireGroup) => {
        // Only Change has a body (Gen2's `ChangeEntireGroup`, a JSON boolean); Verify and Reconcile none.
        const body: PvwaChangeBody | undefined = action === 'CHANGE' ? { ChangeEntireGroup: changeEntireGroup } : undefined;
        await this.call('credentialsAction', caller, resourcePath(ACCOUNTS_PATH, id, CREDENTIALS_ACTIONS[action]), body && JSON.stringify(body));
      },
      controlLiveSession: async (id, action) => {
        await this.call('liveSessionAction', caller, resourcePath(LIVE_SESSIONS_PATH, id, LIVE_SESSION_ACTIONS[action]));
      },
      getRiskEvents: (query) => this.risks.getRiskEvents(caller, query),
      getRiskSummary: () => this.risks.getRiskSummary(caller),
      updateRiskEvent: (id, change) => this.risks.updateRiskEvent(caller, id, change),
    };
  }

  /**
   * Stops every call under way and refuses new ones: each fails at once as 'shutdown', so its
   * request is answered (SHUTTING_DOWN) rather than cut when shutdown closes the connections.
   */
  stopCalls(): void {
    this.transport.stopCalls();
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

  private async getEvents(caller: PvwaCaller, query: PvwaEventQuery, parent: Span | undefined): Promise<PvwaEventList> {
    const searchParams = new URLSearchParams();
    if (query.fromUpdateDate !== undefined) searchParams.set('fromUpdateDate', String(query.fromUpdateDate));
    if (query.status !== undefined) searchParams.set('status', query.status);
    if (query.accountID !== undefined) searchParams.set('accountID', query.accountID);
    const search = searchParams.size > 0 ? `?${searchParams}` : '';
    const { body, bytes } = await this.call('getEvents', caller, EVENTS_PATH + search, undefined, parent);
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
   * One upstream call through the transport, and its answer parsed as JSON. A token the PVWA
   * refused (401; 403 to a call that is not about one Vault object) is reported here, once, before
   * the error reaches the caller.
   */
  private async call(endpoint: PvwaEndpoint, caller: Caller, path: string, body?: string, parent?: Span): Promise<{ body: unknown; bytes: number }> {
    let answer;
    try {
      answer = await this.transport.call(this.http[endpoint], endpoint, caller, path, body, parent);
    } catch (error) {
      const refusal = caller.token !== undefined ? tokenRefusal(error) : null;
      if (refusal === 401 || (refusal === 403 && !OBJECT_ENDPOINTS.has(endpoint))) this.options.onTokenRefused?.(caller.token as string, refusal);
      throw error;
    }
    // The answer to a Logoff means nothing.
    if (endpoint === 'logoff') return { body: undefined, bytes: answer.rawBody.length };
    const parsed = parseJson(answer);
    // An action's answer is empty; an HTML page instead (a portal in front of the PVWA) is not the
    // PVWA's, and the action may not have reached it: that is the error below.
    if (parsed === undefined && ACTIONS.has(endpoint) && answer.rawBody.length === 0) return { body: undefined, bytes: 0 };
    if (parsed === undefined) {
      throw new PvwaError('bad-response', 'The PVWA answered with a body that is not JSON.', { status: answer.statusCode });
    }
    return { body: parsed, bytes: answer.rawBody.length };
  }
}
