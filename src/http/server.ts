import { createServer, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Config } from '../config.js';
import { requestPath } from './body.js';
import type { Handler } from './routes.js';

/**
 * The node:http listener: the routes by path, the requests in flight, and the primitives of a
 * clean stop (gateway.ts owns their order).
 */

/**
 * The listener's own limits on clients: the time to send headers and the whole request, how long
 * an idle keep-alive connection stays open. Node enforces the first two only when it checks its
 * connections (every 30 s by default, so a slow client could live 30 s past them): they are
 * checked every quarter of the shorter one, at most every second.
 */
export function listenerOptions(config: Pick<Config, 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEP_ALIVE_TIMEOUT_MS'>): ServerOptions {
  return {
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS) / 4))),
  };
}

/** The routes, in the order a request is matched against them. */
export interface Routes {
  /** By exact path. */
  paths: Record<string, Handler>;
  /** By path prefix (e.g. the IDE's assets). */
  prefixes: Array<[prefix: string, handler: Handler]>;
  /** Anything else. */
  otherwise: Handler;
}

/** What an HTTP server reports, for metrics. */
export interface HttpServerObserver {
  /** A connection refused because its address had MAX_CONNECTIONS_PER_ADDRESS open. */
  connectionRefused(reason: 'address'): void;
}

export interface HttpServerOptions {
  listener: ServerOptions;
  maxConnections: number;
  /** Most connections open at once from one client address. */
  maxConnectionsPerAddress: number;
  observer?: HttpServerObserver;
}

/** The answer to a request on a connection accepted after the stop began. */
const SHUTTING_DOWN_BODY = JSON.stringify({ errors: [{ message: 'The gateway is shutting down; retry the request.', extensions: { code: 'SHUTTING_DOWN' } }] });

export class HttpServer {
  readonly server: Server;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private stopping = false;
  /** Open connections by client address (only addresses with one open are kept). */
  private readonly byAddress = new Map<string, number>();
  /** After the stop began: connections accepted since, and when the last one was. */
  private latecomers: WeakSet<Socket> | null = null;
  private lastAccepted = 0;

  constructor(options: HttpServerOptions, routes: Routes) {
    this.server = createServer(options.listener, (req, res) => {
      this.inFlight++;
      res.once('close', () => {
        if (--this.inFlight === 0 && this.drained) this.drained();
      });
      // While stopping, each answer also closes its connection, so keep-alive clients move on.
      if (this.stopping) res.setHeader('connection', 'close');
      if (this.latecomers?.has(req.socket)) {
        res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(SHUTTING_DOWN_BODY), 'retry-after': '0' });
        res.end(SHUTTING_DOWN_BODY);
        return;
      }
      const path = requestPath(req);
      const route = routes.paths[path] ?? routes.prefixes.find(([prefix]) => path.startsWith(prefix))?.[1] ?? routes.otherwise;
      route(req, res);
    });
    this.server.maxConnections = options.maxConnections;
    this.server.on('connection', (socket: Socket) => {
      // One client address cannot take every connection (behind a proxy, all share its address).
      const address = socket.remoteAddress ?? '';
      const open = (this.byAddress.get(address) ?? 0) + 1;
      if (open > options.maxConnectionsPerAddress) {
        options.observer?.connectionRefused('address');
        socket.destroy();
        return;
      }
      this.byAddress.set(address, open);
      socket.once('close', () => {
        const left = (this.byAddress.get(address) ?? 1) - 1;
        if (left > 0) this.byAddress.set(address, left);
        else this.byAddress.delete(address);
      });
      if (this.latecomers) {
        this.latecomers.add(socket);
        this.lastAccepted = performance.now();
      }
    });
  }

  /** Listens; resolves with the base URL (http://host:port). */
  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = this.server.address() as AddressInfo;
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${shown}:${bound}`;
  }

  /** From now on every answer closes its connection. */
  beginStopping(): void {
    this.stopping = true;
  }

  /**
   * Stops taking new work, without resetting a connection that reached the listener before: the
   * listener keeps accepting (connections already in the kernel's accept queue included), and
   * answers their requests SHUTTING_DOWN (503, `Connection: close`), until no connection has
   * arrived for `quietMs` (or `maxMs` have passed); only then does it close, so the queue is
   * empty when it does (closing a listener resets what its queue still holds). Connections are
   * not closed here, idle or not: one just accepted has not sent its request yet (its answer
   * closes it; closeAll() takes the rest). Resolves once the listener has closed, with `closed`,
   * which resolves when the last connection has closed too.
   */
  async stopListening(quietMs: number, maxMs: number): Promise<{ closed: Promise<void> }> {
    this.latecomers = new WeakSet();
    const started = performance.now();
    this.lastAccepted = started;
    for (;;) {
      const now = performance.now();
      const wait = Math.min(this.lastAccepted + quietMs, started + maxMs) - now;
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return { closed: new Promise<void>((resolve) => this.server.close(() => resolve())) };
  }

  /** Requests being answered now. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Resolves when no request is in flight, or after `ms`. */
  drain(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.inFlight === 0) return resolve();
      const timer = setTimeout(resolve, ms);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Closes every connection left. */
  closeAll(): void {
    this.server.closeAllConnections();
  }
}
