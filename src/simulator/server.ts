import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { DEMO_TOKEN, SimulatedAuth, type SimulatorUser } from './auth.js';
import { createDemoEvents, createLiveEvent } from './data.js';
import { applyPatch, filterEvents, parsePatch } from './events.js';
import { Faults, type Fault, type FaultOptions } from './faults.js';
import { Recorder, type RecordedRequest } from './recorder.js';
import { ERROR_401, IIS_400, IIS_404, send, sendText, type Json } from './respond.js';
import { SimulatedVault } from './vault.js';
import { createDemoRisks } from './risk-data.js';
import { SimulatedRisks, type RiskApiOptions } from './risks.js';

/**
 * The embedded PVWA: a real HTTP server speaking the PTA part of the PVWA REST API as a real PVWA
 * does (see docs/pvwa-pta-api.md): GET and PATCH events, Logon, Logoff, the URL rules,
 * JSON errors, case-insensitive paths; the Vault side a console responds with (vault.ts); and risk events (risks.ts, docs/pta-risk-api.md). It is the default upstream of `npm start`, the upstream of
 * the integration tests and of the benchmark. Tests can give tokens their own events, inject
 * faults (faults.ts) and read the requests it received (recorder.ts).
 */

export { DEMO_TOKEN, DEMO_USER, RADIUS_USER, type SimulatorUser } from './auth.js';
export type { Fault, FaultOptions } from './faults.js';
export type { RecordedRequest } from './recorder.js';
export type { RiskApiOptions } from './risks.js';

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
  /** How many demo risk events `demo-token` and logged-on sessions see (130 by default). */
  riskEventCount?: number;
  /** The risk API: off for a PVWA older than 13.2; the summary's shape. */
  riskApi?: RiskApiOptions;
  /**
   * Benchmark mode: answers are serialised once and then served from memory, and a PATCH does
   * not change the stored event, so the simulator is not the bottleneck of a load test.
   */
  fast?: boolean;
  /**
   * The secret the tokens of a logon are derived from (npm start and npm run dev: a file of the
   * checkout, src/simulator/dev-seed.ts): a simulator started again with the same secret accepts
   * the tokens the last one issued, so a browser stays logged on across a restart. Without it,
   * tokens are random and die with the process.
   */
  tokenSecret?: Buffer;
}

/** What a route's handler gets: the request, its path relative to the base path, and the caller's token. */
export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path after the base path, as received (undecoded); `route` is the same in lower case. */
  path: string;
  match: RegExpExecArray;
  query: Record<string, string>;
  body: string;
  /** The Authorization header as sent ('' when none). */
  token: string;
}

/** One API route: a method, a pattern over the lower-case path after the base path, a handler. */
interface Route {
  method: string;
  pattern: RegExp;
  /** Whether the caller needs a session the simulator knows (else 401 PASWS006E). */
  session: boolean;
  handle(request: RouteRequest): void;
}

export class Simulator {
  /** PATCHes refused with 403, by token and event id. */
  private readonly forbidden = new Set<string>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly basePath: string;
  /** Event lists by token; sessions from Logon and demo-token share the demo list. */
  private readonly datasets = new Map<string, Json[]>();
  private readonly demoEvents: Json[];
  private readonly recorder: Recorder;
  private readonly faults = new Faults();
  private readonly auth: SimulatedAuth;
  private readonly routes: Route[];
  /** Accounts, live PSM sessions, the logged-on user and their actions; tests set and read them here. */
  readonly vault: SimulatedVault;
  private readonly risks: SimulatedRisks;
  /** Fast mode: prepared answer bodies, by token, method, path and PATCH body. */
  private readonly prepared = new Map<string, Buffer>();
  private port = 0;
  private liveTimer: NodeJS.Timeout | undefined;
  private liveSeed = 1;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.basePath = (options.basePath ?? '/PasswordVault').replace(/\/+$/, '').toLowerCase();
    this.demoEvents = createDemoEvents(options.eventCount, options.seed);
    this.datasets.set(DEMO_TOKEN, this.demoEvents);
    this.recorder = new Recorder(options.record !== false);
    this.vault = new SimulatedVault(this.demoEvents);
    this.risks = new SimulatedRisks(createDemoRisks(options.riskEventCount, options.seed), options.riskApi);
    this.auth = new SimulatedAuth({
      open: (token, username) => {
        this.datasets.set(token, this.demoEvents);
        this.vault.signedOn(token, username);
      },
      has: (token) => this.datasets.has(token),
      end: (token) => this.datasets.delete(token),
    }, options.tokenSecret);
    this.routes = [
      { method: 'POST', pattern: /^\/api\/auth\/(cyberark|ldap|radius|windows)\/logon\/?$/, session: false, handle: ({ req, res, match, body }) => this.auth.logon(req, res, match[1], body) },
      { method: 'POST', pattern: /^\/api\/auth\/logoff\/?$/, session: false, handle: ({ req, res }) => this.auth.logoff(req, res) },
      { method: 'GET', pattern: /^\/api\/pta\/api\/events\/?$/, session: true, handle: (request) => this.list(request) },
      { method: 'PATCH', pattern: /^\/api\/pta\/api\/events\/[^/]+\/?$/, session: true, handle: (request) => this.update(request) },
      { method: 'GET', pattern: /^\/api\/accounts\/[^/]+\/?$/, session: true, handle: (request) => this.vault.account(request) },
      { method: 'POST', pattern: /^\/api\/accounts\/[^/]+\/(change|verify|reconcile)\/?$/, session: true, handle: (request) => this.vault.accountAction(request) },
      { method: 'GET', pattern: /^\/api\/livesessions\/[^/]+\/?$/, session: true, handle: (request) => this.vault.liveSession(request) },
      { method: 'POST', pattern: /^\/api\/livesessions\/[^/]+\/(terminate|suspend|resume)\/?$/, session: true, handle: (request) => this.vault.liveSessionAction(request) },
      { method: 'GET', pattern: /^\/webservices\/pimservices\.svc\/user\/?$/, session: true, handle: (request) => this.vault.loggedOnUser(request) },
      { method: 'GET', pattern: /^\/api\/pta\/api\/risks\/risksevents\/?$/, session: true, handle: ({ res, token, query }) => this.risks.list(res, token, query) },
      { method: 'GET', pattern: /^\/api\/pta\/api\/risks\/summary\/?$/, session: true, handle: ({ res, token }) => this.risks.summary(res, token) },
      {
        method: 'PATCH', pattern: /^\/api\/pta\/api\/risks\/risksevents\/[^/]+\/?$/, session: true,
        handle: ({ res, token, path, body }) => this.risks.update(res, token, decodeURIComponent(path.split('/')[6]), body),
      },
    ];
    this.server = this.createServer();
  }

  /** The requests received (when recording), in order. */
  get requests(): RecordedRequest[] {
    return this.recorder.requests;
  }

  /** Emits 'request' (a RecordedRequest) as each request arrives, and 'disconnect', so tests wait on events, not sleeps. */
  get events() {
    return this.recorder.events;
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

  /** Gives `token` its own risk events (a copy); the token is accepted from now on. */
  setRisks(token: string, risks: readonly unknown[]): void {
    this.risks.set(token, structuredClone(risks) as Json[]);
    if (!this.datasets.has(token)) this.datasets.set(token, []);
  }

  /** The risk events `token` sees (the simulator's own list: changes show in later answers). */
  risksOf(token = DEMO_TOKEN): Json[] {
    return this.risks.of(token);
  }

  /** Changes the risk API: off (a PVWA older than 13.2: 404 on its routes), or the summary's shape. */
  configureRisks(options: RiskApiOptions): void {
    this.risks.configure(options);
  }

  /** Makes the PVWA refuse `token` a PATCH of event `id` with 403 (PASWS041E), as for an event outside its safes. */
  forbid(token: string, id: string): void {
    this.forbidden.add(`${token}\n${id}`);
  }

  /** Ends a session as the PVWA does when it expires or is logged off: its token gets 401 from now on. */
  revoke(token: string): void {
    this.auth.end(token);
  }

  /** The id of an open event `token` sees, for a ready-to-paste example. */
  openEventId(token = DEMO_TOKEN): string | undefined {
    const open = this.eventsOf(token).find((event) => event.mStatus === 'OPEN');
    return open === undefined ? undefined : String(open.id);
  }

  /** Adds (or replaces) a user that can log on. */
  addUser(user: SimulatorUser): void {
    this.auth.addUser(user);
  }

  /** Makes the next requests fail as `fault` says. */
  setFault(fault: Fault, options: FaultOptions = {}): void {
    this.faults.set(fault, options);
  }

  clearFault(): void {
    this.faults.clear();
  }

  clearRequests(): void {
    this.recorder.clear();
  }

  /** The most requests of `method` that were being answered at once since `clearRequests`. */
  peakInFlight(method: string): number {
    return this.recorder.peakInFlight(method);
  }

  /** Resolves once `count` requests matching `filter` have arrived (counting those already recorded). */
  received(count: number, filter?: (request: RecordedRequest) => boolean): Promise<void> {
    return this.recorder.received(count, filter);
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

  private async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = Object.fromEntries(new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)));
    const method = req.method ?? 'GET';
    this.recorder.arrived({ method, path, search: queryAt === -1 ? '' : rawUrl.slice(queryAt + 1), query, headers: req.headers, body, at: Date.now() }, res);

    const fault = this.faults.take(method, path);
    if (fault) {
      // unref: a slow answer still pending must not keep a test process alive after close().
      if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
      else return this.faults.send(req, res, fault);
      if (res.destroyed) return;
    }

    // The URL rules of the PVWA: no spaces, + & % in the path; a path with a dot ends with "/"
    // (but for a WCF service's `.svc`, its handler, not a value).
    if (/[ +&%]/.test(path)) return sendText(res, 400, IIS_400, 'text/html');
    if (path.replace(/\.svc\//i, '/').includes('.') && !path.endsWith('/')) return sendText(res, 404, IIS_404, 'text/html');

    const lower = path.toLowerCase();
    if (!lower.startsWith(this.basePath + '/')) return sendText(res, 404, IIS_404, 'text/html');
    const route = lower.slice(this.basePath.length);
    const token = req.headers.authorization ?? '';
    const known = this.routes.filter((candidate) => candidate.pattern.test(route));
    if (known.length === 0) return sendText(res, 404, IIS_404, 'text/html');
    const chosen = known.find((candidate) => candidate.method === method);
    // As the PVWA: an unknown token is refused before the method is looked at.
    if ((chosen ? chosen.session : known.some((candidate) => candidate.session)) && !this.auth.accepts(token)) return send(res, 401, ERROR_401);
    if (!chosen) return send(res, 405, { ErrorCode: 'SIM405E', ErrorMessage: `The requested resource does not support http method '${method}'.` });
    chosen.handle({ req, res, path: path.slice(this.basePath.length), match: chosen.pattern.exec(route)!, query, body, token });
  }

  private list({ res, query, token, req }: RouteRequest): void {
    const { fromUpdateDate: _ignored, ...older } = query;
    const result = filterEvents(this.datasets.get(token)!, this.options.ignoreFromUpdateDate ? older : query);
    if (result === null) return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: 'A filter value is invalid.' });
    this.answer(res, `${token}|GET|${req.url}`, result);
  }

  private update({ res, path, body, token }: RouteRequest): void {
    const id = decodeURIComponent(path.split('/')[5]);
    const patch = parsePatch(body);
    if (typeof patch === 'string') return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: patch });
    if (this.forbidden.has(`${token}\n${id}`)) return send(res, 403, { ErrorCode: 'PASWS041E', ErrorMessage: 'You are not authorized to perform this action.' });
    const event = this.datasets.get(token)!.find((candidate) => candidate.id === id);
    if (!event) return send(res, 404, { ErrorCode: 'SIM404E', ErrorMessage: `Security event ${id} was not found.` });
    if (this.options.fast) {
      // Fast mode: the stored event stays as it is; the answer is the patched copy, prepared once.
      const key = `${token}|PATCH|${id}|${patch.mStatus}|${patch.closeReason}|${patch.reasonText}`;
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
}

/** Starts a simulator; `await sim.close()` stops it. */
export function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(options).start();
}
