import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AccountCache } from './accounts/cache.js';
import { createApollo, createSchema, documentRules, operationLimits } from './apollo.js';
import type { Config } from './config.js';
import type { ContextDeps } from './context.js';
import { LiveHub } from './events/live-hub.js';
import { SnapshotStore } from './events/snapshot-store.js';
import { AnswerBudget } from './graph/answer-budget.js';
import { OperationDocuments } from './graph/operation.js';
import { TrustedDocuments } from './graph/trusted-documents.js';
import { createCors, originMatcher } from './http/cors.js';
import { graphqlRoute } from './http/graphql.js';
import { createIde, IDE_ASSET_PREFIX, type IdeOptions } from './http/ide.js';
import { PvwaReachability } from './http/readiness.js';
import { healthRoute, metricsRoute, notFoundRoute, readinessRoute, type Handler } from './http/routes.js';
import { HttpServer, listenerOptions } from './http/server.js';
import { requestPath, sendJson } from './http/body.js';
import { attachWebSocket } from './http/websocket.js';
import { PvwaClient, pvwaTlsOptions } from './pvwa/client.js';
import { sessionKey } from './sessions/credentials.js';
import { createLogonService, type SessionEndedListener } from './sessions/logon.js';
import { LogonGuard } from './sessions/logon-guard.js';
import { CHALLENGE_TTL_MS } from './sessions/seal.js';
import { Metrics } from './telemetry/metrics.js';
import { Telemetry } from './telemetry/record.js';
import type { Tracing } from './tracing/tracing.js';

/**
 * The composition root: every part of the gateway built from the Config, wired, started, and
 * stopped in one order. Nothing else constructs the parts; each receives what it needs.
 */

export interface Gateway {
  /** Where GraphQL is served, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  /** The node:http server (HTTP and the WebSocket upgrade). */
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
   * Told when a PVWA session ends, with its token: the `logoff` mutation ('logoff'), or the PVWA
   * refused the token (401: 'rejected', 403: 'forbidden'). The hook for what an embedder keeps per
   * session: drop it here. A listener that throws is logged, never fails the request.
   */
  onSessionEnded?: SessionEndedListener;
  /**
   * The gateway's wall clock (epoch ms; Date.now by default): the snapshot ages, "today" for
   * securityEventStats' byDay, the account cache and the actions' `requestedAt`. Tests move it
   * instead of waiting, or fix the day.
   */
  now?: () => number;
  /**
   * OpenTelemetry tracing (main.ts starts it from the OTEL_* variables); none: off, and no span is
   * made. Its owner flushes and stops it, after stop().
   */
  tracing?: Tracing;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * At the end of the grace period, how long the requests whose PVWA calls were stopped have to
 * write their SHUTTING_DOWN answers before the connections are closed, in ms (they take a few).
 */
const ANSWER_WINDOW_MS = 1000;

/**
 * How long the listener must have accepted no connection before it closes at shutdown, in ms: the
 * kernel's accept queue is then empty (closing a listener resets the connections it still holds).
 */
const LISTENER_QUIET_MS = 200;

/** Starts the gateway: /graphql (HTTP and WebSocket), /healthz, /readyz and /metrics. */
export async function startGateway({ config, logger, ide: ideOptions, onSessionEnded, now, tracing }: GatewayOptions): Promise<Gateway> {
  if (!config.PVWA_URL) throw new Error('PVWA_URL is required to start the gateway');
  if (config.PVWA_TLS_INSECURE) logger.warn('PVWA_TLS_INSECURE=true: the PVWA certificate is NOT verified');
  const telemetry = new Telemetry(logger, new Metrics(config.METRICS_MAX_OPERATIONS), tracing);
  const { metrics } = telemetry;

  // Snapshots serve reads when PVWA_SNAPSHOT_MAX_AGE_MS > 0; live events and write-through use
  // them either way (with the default age when reads do not).
  const snapshotReads = config.PVWA_SNAPSHOT_MAX_AGE_MS > 0;
  const store = new SnapshotStore(
    { maxAgeMs: snapshotReads ? config.PVWA_SNAPSHOT_MAX_AGE_MS : 60_000, overlapMs: config.PVWA_SYNC_OVERLAP_MS, maxBytes: config.PVWA_SNAPSHOT_MAX_MB * 1024 * 1024, now, tracing },
    { read: (kind, bytes) => metrics.eventRead(kind, bytes) },
  );
  metrics.trackSnapshots(() => store.stats);
  const accounts = new AccountCache({ ttlMs: config.ACCOUNT_CACHE_TTL_MS, now });
  metrics.trackAccountCache(() => accounts.stats);

  // A PVWA session that ended (logoff, or a token the PVWA refused) leaves nothing behind.
  const sessionEnded: SessionEndedListener = (token, reason) => {
    const session = sessionKey(token);
    store.dropSession(session);
    accounts.dropSession(session);
    try {
      onSessionEnded?.(token, reason);
    } catch (error) {
      logger.error({ err: error, reason }, 'a session-ended listener failed');
    }
  };
  const pvwa = new PvwaClient(
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
      onTokenRefused: (token, refusal) => sessionEnded(token, refusal === 401 ? 'rejected' : 'forbidden'),
      tracing,
    },
    logger,
  );
  const guard = new LogonGuard({
    maxFailuresPerUser: config.LOGON_MAX_FAILURES,
    maxFailuresPerAddress: config.LOGON_MAX_FAILURES_PER_ADDRESS,
    windowMs: config.LOGON_FAILURE_WINDOW_MS,
    maxWrongCodes: 3,
    challengeTtlMs: CHALLENGE_TTL_MS,
    maxTracked: 10_000,
    now,
  });
  const logons = createLogonService(
    { secret: config.SESSION_SECRET, maxAgeMs: config.SESSION_MAX_AGE_MS, secureCookie: config.SESSION_COOKIE_SECURE, pvwa, sessionEnded, guard },
    logger,
  );
  const reachability = new PvwaReachability(
    config.PVWA_URL, config.READINESS_INTERVAL_MS, config.READINESS_TIMEOUT_MS, logger,
    pvwaTlsOptions({ ca: config.PVWA_CA_FILE?.content, insecureTls: config.PVWA_TLS_INSECURE }),
  );
  const schema = createSchema(config, { now });
  // Checked before anything listens: a manifest that does not hold stops the start, saying why.
  const trusted = config.TRUSTED_DOCUMENTS ? TrustedDocuments.load(config.TRUSTED_DOCUMENTS, schema, config.TRUSTED_DOCUMENTS_MODE) : undefined;
  if (trusted) logger.info({ documents: trusted.size, mode: trusted.mode }, 'trusted documents loaded (TRUSTED_DOCUMENTS)');
  const budget = new AnswerBudget({ totalBytes: config.MAX_ANSWER_BYTES_IN_FLIGHT, perSessionBytes: config.MAX_ANSWER_BYTES_PER_SESSION, maxWaitMs: config.PVWA_DEADLINE_MS });
  metrics.trackAnswers(() => budget.stats);
  const apollo = createApollo(config, logger, schema, { budget, eventBytes: (session) => store.eventBytes(session) });
  await Promise.all([apollo.start(), reachability.start()]);

  const deps: ContextDeps = {
    pvwa, logger, logons, store, snapshotReads, accounts, vaultConcurrency: config.PVWA_ACCOUNT_CONCURRENCY, now: now ?? Date.now,
  };
  const hub = new LiveHub(store, pvwa, telemetry, logger, {
    intervalMs: config.LIVE_POLL_INTERVAL_MS,
    maxFailedPolls: config.LIVE_MAX_FAILED_POLLS,
    maxQueued: 1_000,
    onPushed: () => metrics.livePushed.inc(),
  });

  // The HTTP side, as an ordered list of small handlers.
  let stopping = false;
  const ide = config.GRAPHQL_IDE ? createIde(ideOptions) : undefined;
  const allowsOrigin = originMatcher(config.CORS_ORIGINS);
  const cors = createCors({ allows: allowsOrigin, extraHeaders: config.CORS_ALLOWED_HEADERS, blocked: (rule, reason, origin, details) => telemetry.blocked(rule, reason, origin, details) });
  const graphql = graphqlRoute({
    apollo, deps, telemetry, maxRequestBytes: config.MAX_REQUEST_BYTES, writeTimeoutMs: config.HTTP_WRITE_TIMEOUT_MS, trusted, allowsOrigin, compression: config.COMPRESSION,
  });
  const graphqlEndpoint: Handler = (req, res) => {
    if (cors(req, res) || ide?.servePage(req, res)) return;
    graphql(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  };
  const http = new HttpServer({
    listener: listenerOptions(config),
    maxConnections: config.MAX_CONNECTIONS,
    maxConnectionsPerAddress: config.MAX_CONNECTIONS_PER_ADDRESS,
    observer: { connectionRefused: (reason) => metrics.connectionRefused(reason) },
  }, {
    paths: {
      '/graphql': graphqlEndpoint,
      '/healthz': healthRoute(),
      '/readyz': readinessRoute(() => (stopping ? 'shutting down' : reachability.isReachable ? null : (reachability.reason ?? 'PVWA unreachable'))),
      '/metrics': metricsRoute(metrics.registry, logger),
    },
    prefixes: ide ? [[IDE_ASSET_PREFIX, (req, res) => ide.serveAsset(requestPath(req), req, res)]] : [],
    otherwise: notFoundRoute(),
  });

  const websocket = attachWebSocket({
    server: http.server,
    schema,
    apollo,
    documents: new OperationDocuments(schema, documentRules(config), { maxTokens: config.MAX_QUERY_TOKENS, maxCached: 1_000 }),
    limits: operationLimits(config),
    trusted,
    maxPayloadBytes: config.MAX_REQUEST_BYTES,
    maxConnections: config.LIVE_MAX_CONNECTIONS,
    maxConnectionsPerSession: config.LIVE_MAX_CONNECTIONS_PER_SESSION,
    maxPendingPerAddress: config.LIVE_MAX_PENDING_PER_ADDRESS,
    initTimeoutMs: config.LIVE_INIT_TIMEOUT_MS,
    keepAliveMs: config.LIVE_KEEPALIVE_MS,
    writeTimeoutMs: config.HTTP_WRITE_TIMEOUT_MS,
    deps,
    hub,
    telemetry,
    allowOrigin: allowsOrigin,
    sessionOfRequest: (req) => logons.fromCookie(req.headers.cookie),
  });
  metrics.trackLive(() => ({ sockets: websocket.sockets, ...hub.stats }));

  const base = await http.listen(config.PORT, config.HOST);

  const stop = async () => {
    stopping = true;
    http.beginStopping();
    reachability.stop();
    if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
    // Sockets are told 1001 (going away) once the delay is over, so clients reconnect elsewhere.
    await websocket.close();
    // The listener closes once its accept queue is empty: nothing that reached it is reset.
    const { closed } = await http.stopListening(LISTENER_QUIET_MS, config.SHUTDOWN_GRACE_MS);
    await http.drain(config.SHUTDOWN_GRACE_MS);
    if (http.requestsInFlight > 0) {
      // Grace is over: requests still waiting on the PVWA, or for a list slot, are answered
      // SHUTTING_DOWN (503) rather than cut; then what is left is closed.
      pvwa.stopCalls();
      await http.drain(ANSWER_WINDOW_MS);
    }
    http.closeAll();
    await closed;
    await apollo.stop();
    store.close();
    pvwa.close();
  };
  let stopped: Promise<void> | null = null;
  return {
    url: `${base}/graphql`,
    server: http.server,
    // A second call waits for the first one's shutdown instead of starting another.
    stop: () => (stopped ??= stop()),
  };
}
