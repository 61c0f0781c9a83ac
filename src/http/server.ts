import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApollo, createSchema, documentRules } from '../apollo.js';
import type { Config } from '../config.js';
import { PvwaClient, pvwaTlsOptions } from '../pvwa/client.js';
import type { ContextDeps } from '../context.js';
import { LiveHub } from '../sessions/live.js';
import { sessionKey, SnapshotStore } from '../sessions/snapshots.js';
import { createSessions, guardSessionEnded, type SessionEndedListener } from '../sessions/logon.js';
import { Metrics } from '../telemetry/metrics.js';
import { Telemetry } from '../telemetry/record.js';
import { sendJson } from './body.js';
import { createCors, originMatcher } from './cors.js';
import { graphqlRoute } from './graphql.js';
import { createIde, IDE_ASSET_PREFIX, type IdeOptions } from './ide.js';
import { PvwaReachability } from './readiness.js';
import { attachWebSocket } from './websocket.js';

export interface Gateway {
  /** Where GraphQL is served, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  server: Server;
  /**
   * The one shutdown path, in order: /readyz answers 503 at once; requests are still served for
   * SHUTDOWN_DELAY_MS (load balancers move away); then no new connections, in-flight requests get
   * SHUTDOWN_GRACE_MS to finish; then the PVWA calls still under way or queued are stopped and
   * their requests answered SHUTTING_DOWN (503); then what is left is closed, then Apollo and the
   * upstream pool.
   */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** The GraphQL IDE's options, used when GRAPHQL_IDE is on. */
  ide?: IdeOptions;
  /**
   * Told when a session ends, with its token: the `logoff` mutation ('logoff'), or the PVWA
   * answered 401 to the token ('rejected'). The hook for what is kept per session (e.g. event
   * snapshots): drop it here. A listener that throws is logged, never fails the request.
   */
  onSessionEnded?: SessionEndedListener;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * At the end of the grace period, how long the requests whose PVWA calls were stopped have to
 * write their SHUTTING_DOWN answers before the connections are closed, in ms (they take a few).
 */
const ANSWER_WINDOW_MS = 1000;

/**
 * The listener's own limits on clients: the time to send headers and the whole request, how long
 * an idle keep-alive connection stays open. Node enforces the first two only when it checks its
 * connections (every 30 s by default, so a slow client could live 30 s past them): they are
 * checked every quarter of the shorter one, at most every second.
 */
export function listenerOptions(config: Config): ServerOptions {
  return {
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS) / 4))),
  };
}

/** Starts the gateway's HTTP server: /graphql, /healthz, /readyz and /metrics. */
export async function startGateway({ config, logger, ide: ideOptions, onSessionEnded }: GatewayOptions): Promise<Gateway> {
  if (!config.PVWA_URL) throw new Error('PVWA_URL is required to start the gateway');
  if (config.PVWA_TLS_INSECURE) logger.warn('PVWA_TLS_INSECURE=true: the PVWA certificate is NOT verified');
  const telemetry = new Telemetry(logger, new Metrics(config.METRICS_MAX_OPERATIONS));
  const { metrics } = telemetry;
  // Snapshots serve reads when PVWA_SNAPSHOT_MAX_AGE_MS > 0; live events and write-through use
  // them either way (with the default age when reads do not).
  const snapshotReads = config.PVWA_SNAPSHOT_MAX_AGE_MS > 0;
  const store = new SnapshotStore(
    { maxAgeMs: snapshotReads ? config.PVWA_SNAPSHOT_MAX_AGE_MS : 60_000, overlapMs: config.PVWA_SYNC_OVERLAP_MS, maxBytes: config.PVWA_SNAPSHOT_MAX_MB * 1024 * 1024 },
    { read: (kind, bytes) => metrics.eventRead(kind, bytes) },
  );
  metrics.trackSnapshots(() => store.stats);
  // A session that ended (logoff, or a 401 to its token) leaves nothing behind.
  const sessionEnded = guardSessionEnded((token, reason) => {
    store.dropSession(sessionKey(token));
    onSessionEnded?.(token, reason);
  }, logger);
  const client = new PvwaClient(
    {
      baseUrl: config.PVWA_URL,
      timeoutMs: config.PVWA_TIMEOUT_MS,
      deadlineMs: config.PVWA_DEADLINE_MS,
      maxBodyBytes: config.PVWA_MAX_BODY_BYTES,
      maxEventBytes: config.PVWA_MAX_EVENT_BYTES,
      maxSockets: config.PVWA_MAX_SOCKETS,
      maxConcurrentLists: config.PVWA_MAX_CONCURRENT_LISTS,
      ca: config.PVWA_CA_FILE?.content,
      insecureTls: config.PVWA_TLS_INSECURE,
      getRetries: config.PVWA_GET_RETRIES,
      maxRetryAfterMs: config.PVWA_RETRY_AFTER_MAX_MS,
      retryBaseMs: config.PVWA_RETRY_BASE_MS,
      onTokenRejected: (token) => sessionEnded(token, 'rejected'),
    },
    logger,
  );
  const sessions = createSessions(config, client, sessionEnded, logger);
  const reachability = new PvwaReachability(
    config.PVWA_URL, config.READINESS_INTERVAL_MS, config.READINESS_TIMEOUT_MS, logger,
    pvwaTlsOptions({ ca: config.PVWA_CA_FILE?.content, insecureTls: config.PVWA_TLS_INSECURE }),
  );
  const schema = createSchema(config);
  const apollo = createApollo(config, logger, schema);
  await Promise.all([apollo.start(), reachability.start()]);
  const deps: ContextDeps = { client, logger, sessions, store, snapshotReads };
  const hub = new LiveHub(store, client, telemetry, logger, {
    intervalMs: config.LIVE_POLL_INTERVAL_MS,
    maxFailedPolls: config.LIVE_MAX_FAILED_POLLS,
    maxQueued: 1_000,
    onPushed: () => metrics.livePushed.inc(),
  });
  const ide = config.GRAPHQL_IDE ? createIde(ideOptions) : undefined;
  const graphql = graphqlRoute({ apollo, deps, telemetry, maxRequestBytes: config.MAX_REQUEST_BYTES });
  const allowsOrigin = originMatcher(config.CORS_ORIGINS);
  const cors = createCors(allowsOrigin);

  let inFlight = 0;
  let stopping = false;
  let drained: (() => void) | null = null;

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/graphql': (req, res) => {
      if (cors(req, res) || ide?.servePage(req, res)) return;
      graphql(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.destroy();
      });
    },
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': (_req, res) => {
      if (stopping) return sendJson(res, 503, { status: 'unready', reason: 'shutting down' });
      if (!reachability.isReachable) return sendJson(res, 503, { status: 'unready', reason: reachability.reason ?? 'PVWA unreachable' });
      sendJson(res, 200, { status: 'ready' });
    },
    '/metrics': (_req, res) => {
      const { registry } = telemetry.metrics;
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'metrics failed');
          sendJson(res, 500, { error: 'metrics failed' });
        },
      );
    },
  };

  const server = createServer(listenerOptions(config), (req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0 && drained) drained();
    });
    // While stopping, each answer also closes its connection, so keep-alive clients move on.
    if (stopping) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?', 1)[0];
    const route = routes[path];
    if (route) return route(req, res);
    if (ide && path.startsWith(IDE_ASSET_PREFIX)) return ide.serveAsset(path, req, res);
    sendJson(res, 404, { errors: [{ message: 'Not found. GraphQL is served at /graphql.' }] });
  });

  server.maxConnections = config.MAX_CONNECTIONS;
  const websocket = attachWebSocket({
    server,
    schema,
    rules: documentRules(config),
    maxTokens: config.MAX_QUERY_TOKENS,
    maxPayloadBytes: config.MAX_REQUEST_BYTES,
    maxConnections: config.LIVE_MAX_CONNECTIONS,
    keepAliveMs: config.LIVE_KEEPALIVE_MS,
    deps,
    hub,
    telemetry,
    allowOrigin: allowsOrigin,
    tokenOfRequest: (req) => sessions.fromCookie(req.headers.cookie).token,
  });
  metrics.trackLive(() => ({ sockets: websocket.sockets, ...hub.stats }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  let stopped: Promise<void> | null = null;
  const stop = async () => {
    stopping = true;
    reachability.stop();
    if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
    // Sockets are told 1001 (going away) once the delay is over, so clients reconnect elsewhere.
    await websocket.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Until no request is in flight, or `ms` have passed.
    const drain = (ms: number) =>
      new Promise<void>((resolve) => {
        if (inFlight === 0) return resolve();
        const timer = setTimeout(resolve, ms);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    await drain(config.SHUTDOWN_GRACE_MS);
    if (inFlight > 0) {
      // Grace is over: requests still waiting on the PVWA, or for a list slot, are answered
      // SHUTTING_DOWN (503) rather than cut; then what is left is closed.
      client.stopCalls();
      await drain(ANSWER_WINDOW_MS);
    }
    server.closeAllConnections();
    await closed;
    await apollo.stop();
    store.close();
    client.close();
  };

  return {
    url: `http://${host}:${port}/graphql`,
    server,
    // A second call waits for the first one's shutdown instead of starting another.
    stop: () => (stopped ??= stop()),
  };
}
