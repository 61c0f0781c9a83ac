import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline, type Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { createDemoEvents, createLiveEvent } from './data.js';
import { applyPatch, filterEvents, parsePatch } from './events.js';

/**
 * The embedded PVWA: a real HTTP server speaking the PTA part of the PVWA REST API as a real PVWA
 * does (see docs/pvwa-pta-api.md): GET and PATCH events, Logon, Logoff, the URL rules,
 * JSON errors, case-insensitive paths. It is the default upstream of `npm start`, the upstream of
 * the integration tests and of the benchmark. Tests can give tokens their own events, inject
 * faults and read the requests it received.
 */

export const DEMO_TOKEN = 'demo-token';

/** A user of the simulator. With `codes`, a RADIUS user: each code is asked in turn after the password. */
export interface SimulatorUser {
  username: string;
  password: string;
  /** RADIUS only: the one-time codes asked in turn (each a challenge, ITATS542I). */
  codes?: string[];
}

/** Logs on with CyberArk, LDAP or Windows. */
export const DEMO_USER: SimulatorUser = { username: 'demo', password: 'demo' };
/** Logs on with RADIUS: the password is answered with a challenge, the one-time code with a token. */
export const RADIUS_USER: SimulatorUser = { username: 'radius', password: 'radius', codes: ['123456'] };

type Json = Record<string, unknown>;

/** A fault the next requests get instead of a normal answer. */
export type Fault =
  /** Answer normally, but only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Answer with this status and body (JSON by default). */
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** 200 with an HTML page, as IIS sometimes answers. */
  | { kind: 'html' }
  /** 200 JSON cut in the middle (the whole, short body is sent). */
  | { kind: 'truncated' }
  /** 200 JSON, but not the shape asked for. */
  | { kind: 'wrong-shape' }
  /** Close the connection without an answer. */
  | { kind: 'reset' }
  /**
   * 200 with one JSON event of `bytes` bytes (a long string field), streamed as the client reads
   * it, so the simulator never holds it; `contentLength: false` sends it chunked, its length
   * unannounced. With `together`, answers start only once that many requests wait for one.
   * `status` sends it with another status (say 500: a huge error page); `gzip` sends it
   * gzip-encoded (a few KB on the wire that expand to `bytes`), its length unannounced.
   */
  | { kind: 'huge'; bytes: number; contentLength?: boolean; together?: number; status?: number; gzip?: boolean };

export interface FaultOptions {
  /** How many requests get the fault; all from now on when absent. */
  times?: number;
  /** Only requests of these methods get it (GET, PATCH, POST). */
  methods?: string[];
}

export interface RecordedRequest {
  method: string;
  /** The path as received, undecoded. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when it arrived. */
  at: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** The IIS application path; `/PasswordVault` by default. */
  basePath?: string;
  /** How many demo events `demo-token` and logged-on sessions see. */
  eventCount?: number;
  seed?: number;
  /** Keep a record of the requests received (on by default; off for the benchmark). */
  record?: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** Behave as a PVWA older than 11.3: ignore `fromUpdateDate` and send the whole list. */
  ignoreFromUpdateDate?: boolean;
  /** When set, every this many ms a new event appears for the demo sessions and an old open one is closed. */
  liveIntervalMs?: number;
  /** Whether a PATCH moves the event's lastUpdateTime (it is not documented that it does); on by default. */
  patchTouches?: boolean;
  /**
   * Benchmark mode: answers are serialised once and then served from memory, and a PATCH does
   * not change the stored event, so the simulator is not the bottleneck of a load test.
   */
  fast?: boolean;
}

const ERROR_401 = { ErrorCode: 'PASWS006E', ErrorMessage: 'The session token is missing, invalid or expired.' };
/** The web session cookie of IIS and the load balancer's, which a RADIUS challenge is tied to. */
const SESSION_COOKIE = 'ASP.NET_SessionId';
const BALANCER_COOKIE = 'BIGipServerPVWA';
const IIS_400 = '<!DOCTYPE html><html><head><title>Bad Request</title></head><body><h2>Bad Request - Invalid URL</h2><p>HTTP Error 400. The request is badly formed.</p></body></html>';
const IIS_404 = '<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body><h2>404 - File or directory not found.</h2></body></html>';

export class Simulator {
  readonly requests: RecordedRequest[] = [];
  /** Emits 'request' (a RecordedRequest) as each request arrives, so tests wait on events, not sleeps. */
  readonly events = new EventEmitter();
  /** Requests being answered now, and the most at once since the last `clearRequests`, by method. */
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  /** PATCHes refused with 403, by token and event id. */
  private readonly forbidden = new Set<string>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly basePath: string;
  /** Event lists by token; sessions from Logon and demo-token share the demo list. */
  private readonly datasets = new Map<string, Json[]>();
  private readonly demoEvents: Json[];
  private fault: { fault: Fault; remaining: number; methods?: string[] } | null = null;
  private readonly users = new Map<string, SimulatorUser>([[DEMO_USER.username, DEMO_USER], [RADIUS_USER.username, RADIUS_USER]]);
  /** RADIUS challenges waiting for a code, by web session id. */
  private readonly challenges = new Map<string, { username: string; balancer: string; codes: string[] }>();
  /** Huge answers waiting for the rest of their group (`together`). */
  private readonly hugeWaiting: Array<() => void> = [];
  /** Fast mode: prepared answer bodies, by token, method, path and PATCH body. */
  private readonly prepared = new Map<string, Buffer>();
  private port = 0;
  private liveTimer: NodeJS.Timeout | undefined;
  private liveSeed = 1;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.basePath = (options.basePath ?? '/PasswordVault').replace(/\/+$/, '').toLowerCase();
    this.demoEvents = createDemoEvents(options.eventCount, options.seed);
    this.datasets.set(DEMO_TOKEN, this.demoEvents);
    this.server = this.createServer();
  }

  /** Base URL to give the gateway as PVWA_URL. */
  get url(): string {
    const scheme = this.options.tls ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${this.port}${this.options.basePath ?? '/PasswordVault'}`;
  }

  async start(port = this.options.port ?? 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    if (this.options.liveIntervalMs) {
      this.liveTimer = setInterval(() => this.liveTick(), this.options.liveIntervalMs);
      this.liveTimer.unref();
    }
    return this;
  }

  /** How many client connections are open now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Resolves when no client connection is open (they were closed by the client). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.sockets.size > 0) return;
        this.events.off('disconnect', check);
        resolve();
      };
      this.events.on('disconnect', check);
      check();
    });
  }

  /** Live mode: a new event for the demo sessions, and the oldest open one closed as handled. */
  private liveTick(): void {
    this.demoEvents.unshift(createLiveEvent(this.liveSeed++));
    const open = this.demoEvents.findLast((event) => event.mStatus === 'OPEN');
    if (open) applyPatch(open, { mStatus: 'CLOSED', closeReason: 'HANDLED', reasonText: 'Closed by the simulated SOC' });
  }

  /** Stops listening and drops every open connection. */
  async close(): Promise<void> {
    clearInterval(this.liveTimer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Gives `token` its own events (a copy); the token is accepted from now on. */
  setEvents(token: string, events: readonly unknown[]): void {
    this.datasets.set(token, structuredClone(events) as Json[]);
  }

  /** The events `token` sees (the simulator's own list: changes show in later answers). */
  eventsOf(token = DEMO_TOKEN): Json[] {
    return this.datasets.get(token) ?? [];
  }

  /** Adds an event to what `token` sees, as the PTA would detect a new one. */
  addEvent(token: string, event: Json): void {
    this.eventsOf(token).unshift(structuredClone(event));
  }

  /**
   * Changes an event `token` sees, as the PTA or another user would; `touch` (default true) moves
   * its lastUpdateTime to now. Returns false when there is no such event.
   */
  changeEvent(token: string, id: string, change: Json, { touch = true }: { touch?: boolean } = {}): boolean {
    const event = this.eventsOf(token).find((candidate) => candidate.id === id);
    if (!event) return false;
    Object.assign(event, change);
    if (touch) event.lastUpdateTime = Date.now();
    return true;
  }

  /** Removes an event from what `token` sees (a PVWA purge). */
  removeEvent(token: string, id: string): void {
    const events = this.eventsOf(token);
    const at = events.findIndex((candidate) => candidate.id === id);
    if (at !== -1) events.splice(at, 1);
  }

  /** Makes the PVWA refuse `token` a PATCH of event `id` with 403 (PASWS041E), as for an event outside its safes. */
  forbid(token: string, id: string): void {
    this.forbidden.add(`${token}\n${id}`);
  }

  /** Ends a session as the PVWA does when it expires or is logged off: its token gets 401 from now on. */
  revoke(token: string): void {
    this.datasets.delete(token);
  }

  /** The id of an open event `token` sees, for a ready-to-paste example. */
  openEventId(token = DEMO_TOKEN): string | undefined {
    const open = this.eventsOf(token).find((event) => event.mStatus === 'OPEN');
    return open === undefined ? undefined : String(open.id);
  }

  /** Adds (or replaces) a user that can log on. */
  addUser(user: SimulatorUser): void {
    this.users.set(user.username, structuredClone(user));
  }

  /** Makes the next requests fail as `fault` says. */
  setFault(fault: Fault, options: FaultOptions = {}): void {
    this.fault = { fault, remaining: options.times ?? Infinity, methods: options.methods };
  }

  clearFault(): void {
    this.fault = null;
  }

  clearRequests(): void {
    this.requests.length = 0;
    this.peaks.clear();
  }

  /** The most requests of `method` that were being answered at once since `clearRequests`. */
  peakInFlight(method: string): number {
    return this.peaks.get(method) ?? 0;
  }

  /** Resolves once `count` requests matching `filter` have arrived (counting those already recorded). */
  received(count: number, filter: (request: RecordedRequest) => boolean = () => true): Promise<void> {
    return new Promise((resolve) => {
      let seen = this.requests.filter(filter).length;
      if (seen >= count) return resolve();
      const onRequest = (request: RecordedRequest) => {
        if (!filter(request) || ++seen < count) return;
        this.events.off('request', onRequest);
        resolve();
      };
      this.events.on('request', onRequest);
    });
  }

  private createServer(): Server {
    const listener: RequestListener = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => {
          if (!res.headersSent) send(res, 500, { ErrorCode: 'SIM500E', ErrorMessage: 'Simulator failure.' });
        });
      });
    };
    const server = this.options.tls ? createTlsServer(this.options.tls, listener) : createServer(listener);
    server.keepAliveTimeout = 30_000;
    server.on(this.options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.events.emit('disconnect');
      });
    });
    return server;
  }

  private track(method: string, res: ServerResponse): void {
    const now = (this.inFlight.get(method) ?? 0) + 1;
    this.inFlight.set(method, now);
    if (now > (this.peaks.get(method) ?? 0)) this.peaks.set(method, now);
    res.once('close', () => this.inFlight.set(method, (this.inFlight.get(method) ?? 1) - 1));
  }

  private takeFault(method: string): Fault | null {
    const current = this.fault;
    if (!current || (current.methods && !current.methods.includes(method))) return null;
    if (--current.remaining <= 0) this.fault = null;
    return current.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = Object.fromEntries(new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)));
    const method = req.method ?? 'GET';
    this.track(method, res);
    if (this.options.record !== false) {
      const request = { method, path, query, headers: req.headers, body, at: Date.now() };
      this.requests.push(request);
      this.events.emit('request', request);
    }

    const fault = this.takeFault(method);
    if (fault) {
      // unref: a slow answer still pending must not keep a test process alive after close().
      if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
      else return this.sendFault(req, res, fault);
      if (res.destroyed) return;
    }

    // The URL rules of the PVWA: no spaces, + & % in the path; a path with a dot ends with "/".
    if (/[ +&%]/.test(path)) return sendText(res, 400, IIS_400, 'text/html');
    if (path.includes('.') && !path.endsWith('/')) return sendText(res, 404, IIS_404, 'text/html');

    const lower = path.toLowerCase();
    if (!lower.startsWith(this.basePath + '/')) return sendText(res, 404, IIS_404, 'text/html');
    const route = lower.slice(this.basePath.length);

    const logon = /^\/api\/auth\/(cyberark|ldap|radius|windows)\/logon\/?$/.exec(route);
    if (logon && method === 'POST') return this.logon(req, res, logon[1], body);
    if (/^\/api\/auth\/logoff\/?$/.test(route) && method === 'POST') return this.logoff(req, res);

    const events = /^\/api\/pta\/api\/events(?:\/([^/]*))?\/?$/.exec(route);
    if (!events) return sendText(res, 404, IIS_404, 'text/html');
    const dataset = this.datasets.get(req.headers.authorization ?? '');
    if (!dataset) return send(res, 401, ERROR_401);
    const idInPath = events[1] ? path.slice(this.basePath.length).split('/')[5] : '';
    if (!idInPath && method === 'GET') return this.list(req, res, dataset, query);
    if (idInPath && method === 'PATCH') return this.update(req, res, dataset, decodeURIComponent(idInPath), body);
    return send(res, 405, { ErrorCode: 'SIM405E', ErrorMessage: `The requested resource does not support http method '${method}'.` });
  }

  private sendFault(req: IncomingMessage, res: ServerResponse, fault: Exclude<Fault, { kind: 'delay' }>): void {
    switch (fault.kind) {
      case 'status':
        return sendText(res, fault.status, fault.body ?? JSON.stringify({ ErrorCode: 'SIMFAULT', ErrorMessage: `Injected HTTP ${fault.status}.` }), fault.contentType ?? 'application/json; charset=utf-8', fault.headers);
      case 'html':
        return sendText(res, 200, '<html><body><h1>Server Error in \'/PasswordVault\' Application.</h1></body></html>', 'text/html');
      case 'truncated':
        return sendText(res, 200, '[{"id":"5f14495ce4b0ba4baf5efd83","type":"VaultViaIrregularIp","sco', 'application/json; charset=utf-8');
      case 'wrong-shape':
        return sendText(res, 200, JSON.stringify({ value: [], count: 0 }), 'application/json; charset=utf-8');
      case 'reset':
        req.socket.destroy();
        return;
      case 'huge': {
        this.hugeWaiting.push(() => streamHuge(res, fault.bytes, fault.contentLength ?? true, fault.status ?? 200, fault.gzip ?? false));
        if (this.hugeWaiting.length >= (fault.together ?? 1)) for (const start of this.hugeWaiting.splice(0)) start();
        return;
      }
    }
  }

  private list(req: IncomingMessage, res: ServerResponse, dataset: Json[], query: Record<string, string>): void {
    const { fromUpdateDate: _ignored, ...older } = query;
    const result = filterEvents(dataset, this.options.ignoreFromUpdateDate ? older : query);
    if (result === null) return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: 'A filter value is invalid.' });
    this.answer(res, `${req.headers.authorization}|GET|${req.url}`, result);
  }

  private update(req: IncomingMessage, res: ServerResponse, dataset: Json[], id: string, body: string): void {
    const patch = parsePatch(body);
    if (typeof patch === 'string') return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: patch });
    if (this.forbidden.has(`${req.headers.authorization}\n${id}`)) return send(res, 403, { ErrorCode: 'PASWS041E', ErrorMessage: 'You are not authorized to perform this action.' });
    const event = dataset.find((candidate) => candidate.id === id);
    if (!event) return send(res, 404, { ErrorCode: 'SIM404E', ErrorMessage: `Security event ${id} was not found.` });
    if (this.options.fast) {
      // Fast mode: the stored event stays as it is; the answer is the patched copy, prepared once.
      const key = `${req.headers.authorization}|PATCH|${id}|${patch.mStatus}|${patch.closeReason}|${patch.reasonText}`;
      return this.answer(res, key, { ...event }, (copy) => applyPatch(copy, patch));
    }
    const lastUpdateTime = event.lastUpdateTime;
    applyPatch(event, patch);
    if (this.options.patchTouches === false) event.lastUpdateTime = lastUpdateTime;
    send(res, 200, event);
  }

  /**
   * A 200 JSON answer. In fast mode it is serialised once per key and then served from memory, so
   * the simulator is not the bottleneck of a load test.
   */
  private answer<T extends Json | Json[]>(res: ServerResponse, key: string, value: T, finish?: (value: T) => void): void {
    if (!this.options.fast) return send(res, 200, value);
    let prepared = this.prepared.get(key);
    if (prepared === undefined) {
      finish?.(value);
      prepared = Buffer.from(JSON.stringify(value));
      this.prepared.set(key, prepared);
    }
    sendText(res, 200, prepared, 'application/json; charset=utf-8');
  }

  /**
   * Logon as a PVWA does it. A wrong password is 403 ITATS127E, or 401 PASWS013E for RADIUS. A RADIUS user's right password is answered 500 ITATS542I with a prompt and
   * the web session cookies; the next POST with the one-time code and those cookies gets the
   * token (or the next challenge); without the cookies the code is just a wrong password.
   */
  private logon(req: IncomingMessage, res: ServerResponse, method: string, body: string): void {
    let credentials: Json;
    try {
      credentials = JSON.parse(body) as Json;
    } catch {
      return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: 'The request body is not valid JSON.' });
    }
    const username = String(credentials?.username);
    const refuse = () =>
      method === 'radius'
        ? send(res, 401, { ErrorCode: 'PASWS013E', ErrorMessage: `Authentication failure for User [${username}].` })
        : send(res, 403, { ErrorCode: 'ITATS127E', ErrorMessage: `Authentication failure for User [${username}].` });
    const user = this.users.get(username);
    if (!user || (method === 'radius') !== (user.codes !== undefined)) return refuse();

    if (method === 'radius') {
      const cookies = parseCookies(req.headers.cookie);
      const sessionId = cookies.get(SESSION_COOKIE) ?? '';
      const pending = this.challenges.get(sessionId);
      if (pending && pending.username === username && pending.balancer === cookies.get(BALANCER_COOKIE)) {
        if (credentials.password !== pending.codes[0]) {
          this.challenges.delete(sessionId);
          return refuse();
        }
        pending.codes.shift();
        if (pending.codes.length > 0) return this.challenge(res, sessionId, pending.balancer, 'Enter the next one-time code.');
        this.challenges.delete(sessionId);
        return this.issueToken(res);
      }
      if (credentials.password !== user.password) return refuse();
      const id = randomBytes(12).toString('hex');
      const balancer = `${randomBytes(4).readUInt32BE()}.20480.0000`;
      this.challenges.set(id, { username, balancer, codes: [...(user.codes ?? [])] });
      return this.challenge(res, id, balancer, 'Enter the one-time code from your authenticator app.');
    }
    if (credentials.password !== user.password) return refuse();
    this.issueToken(res);
  }

  /** The RADIUS challenge: HTTP 500, ITATS542I with the prompt, and the web session's cookies. */
  private challenge(res: ServerResponse, sessionId: string, balancer: string, prompt: string): void {
    const text = JSON.stringify({ ErrorCode: 'ITATS542I', ErrorMessage: prompt });
    res.writeHead(500, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'set-cookie': [`${SESSION_COOKIE}=${sessionId}; path=/; HttpOnly; SameSite=Lax`, `${BALANCER_COOKIE}=${balancer}; path=/; Httponly; Secure`],
    });
    res.end(text);
  }

  private issueToken(res: ServerResponse): void {
    // Opaque like a self-hosted PVWA's token: base64 of "GUID;hex;hex;".
    const token = Buffer.from(`${crypto.randomUUID()};${randomBytes(32).toString('hex')};${randomBytes(16).toString('hex')};`).toString('base64');
    this.datasets.set(token, this.demoEvents);
    // The answer is a bare JSON string.
    send(res, 200, token);
  }

  private logoff(req: IncomingMessage, res: ServerResponse): void {
    const token = req.headers.authorization ?? '';
    if (!this.datasets.has(token)) return send(res, 401, ERROR_401);
    if (token !== DEMO_TOKEN) this.datasets.delete(token);
    send(res, 200, {});
  }
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function sendText(res: ServerResponse, status: number, text: string | Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * A JSON event `bytes` long, written a chunk at a time as the client reads; stops when the client
 * leaves. Gzipped, it goes through a gzip stream (so the length is never announced).
 */
function streamHuge(res: ServerResponse, bytes: number, announceLength: boolean, status: number, gzip: boolean): void {
  const head = Buffer.from('{"id":"huge","pad":"');
  const tail = Buffer.from('"}');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...(gzip ? { 'content-encoding': 'gzip' } : announceLength ? { 'content-length': String(bytes) } : {}),
  });
  const out: Writable = gzip ? createGzip() : res;
  if (gzip) {
    pipeline(out as Gzip, res, () => {});
    res.once('close', () => out.destroy());
  }
  out.write(head);
  let left = bytes - head.length - tail.length;
  const write = () => {
    while (left > 0 && !res.destroyed) {
      const chunk = left >= HUGE_CHUNK.length ? HUGE_CHUNK : HUGE_CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!out.write(chunk)) return void out.once('drain', write);
    }
    if (!res.destroyed) out.end(tail);
  };
  write();
}

/** Starts a simulator; `await sim.close()` stops it. */
export function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(options).start();
}
