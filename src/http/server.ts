import { createServer, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export class HttpServer {
  readonly server: Server;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private stopping = false;

  constructor(options: ServerOptions, maxConnections: number, routes: Routes) {
    this.server = createServer(options, (req, res) => {
      this.inFlight++;
      res.once('close', () => {
        if (--this.inFlight === 0 && this.drained) this.drained();
      });
      // While stopping, each answer also closes its connection, so keep-alive clients move on.
      if (this.stopping) res.setHeader('connection', 'close');
      const path = requestPath(req);
      const route = routes.paths[path] ?? routes.prefixes.find(([prefix]) => path.startsWith(prefix))?.[1] ?? routes.otherwise;
      route(req, res);
    });
    this.server.maxConnections = maxConnections;
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

  /** No new connections; idle ones are closed. Resolves when the listener has closed. */
  stopListening(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    return closed;
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
