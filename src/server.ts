import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createApollo, graphqlHandler, type RequestObserver } from './graphql.js';
import { sendJson } from './http.js';
import { createIde, IDE_ASSET_PREFIX, type IdeOptions } from './ide.js';
import { Metrics } from './metrics.js';
import { PvwaClient } from './pvwa/client.js';
import { PvwaReachability } from './readiness.js';

export interface Gateway {
  /** Where GraphQL is served, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  server: Server;
  /**
   * Answers 503 on /readyz for SHUTDOWN_DELAY_MS, stops accepting, lets in-flight requests
   * finish within SHUTDOWN_GRACE_MS, then closes what is left and the upstream sockets.
   */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** The GraphQL IDE's options, used when GRAPHQL_IDE is on. */
  ide?: IdeOptions;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the gateway's HTTP server: /graphql, /healthz, /readyz and /metrics. */
export async function startGateway({ config, logger, ide: ideOptions }: GatewayOptions): Promise<Gateway> {
  if (!config.PVWA_URL) throw new Error('PVWA_URL is required to start the gateway');
  if (config.PVWA_TLS_INSECURE) logger.warn('PVWA_TLS_INSECURE=true: the PVWA certificate is NOT verified');
  const metrics = new Metrics(config.METRICS_MAX_OPERATIONS);
  const client = new PvwaClient(
    {
      baseUrl: config.PVWA_URL,
      timeoutMs: config.PVWA_TIMEOUT_MS,
      deadlineMs: config.PVWA_DEADLINE_MS,
      maxBodyBytes: config.PVWA_MAX_BODY_BYTES,
      maxSockets: config.PVWA_MAX_SOCKETS,
      maxConcurrentLists: config.PVWA_MAX_CONCURRENT_LISTS,
      ca: config.PVWA_CA_FILE?.content,
      insecureTls: config.PVWA_TLS_INSECURE,
      getRetries: config.PVWA_GET_RETRIES,
      maxRetryAfterMs: config.PVWA_RETRY_AFTER_MAX_MS,
      retryBaseMs: config.PVWA_RETRY_BASE_MS,
    },
    logger,
    (call, caller) => {
      metrics.pvwaCall(call);
      logger.debug({ requestId: caller.requestId, ...call }, 'pvwa call');
    },
  );
  const reachability = new PvwaReachability(config.PVWA_URL, config.READINESS_INTERVAL_MS, config.READINESS_TIMEOUT_MS, logger);
  const apollo = createApollo(config, logger);
  await Promise.all([apollo.start(), reachability.start()]);

  // One log line and one metrics sample per GraphQL request.
  const onAnswered: RequestObserver = (record, status, durationMs) => {
    metrics.inFlight.dec();
    metrics.graphqlRequest({ ...record, durationMs });
    logger.info({ ...record, status, durationMs: Math.round(durationMs * 100) / 100 }, 'graphql request');
  };
  const ide = config.GRAPHQL_IDE ? createIde(ideOptions) : undefined;
  const graphql = graphqlHandler({ apollo, client, logger, maxRequestBytes: config.MAX_REQUEST_BYTES, onAnswered });

  let inFlight = 0;
  let stopping = false;
  let drained: (() => void) | null = null;

  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0 && drained) drained();
    });
    // While stopping, each answer also closes its connection, so keep-alive clients move on.
    if (stopping) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?', 1)[0];
    switch (path) {
      case '/graphql':
        if (ide?.servePage(req, res)) return;
        metrics.inFlight.inc();
        graphql(req, res).catch((error: unknown) => {
          logger.error({ err: error }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
          else res.destroy();
        });
        return;
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        if (stopping) return sendJson(res, 503, { status: 'unready', reason: 'shutting down' });
        if (!reachability.isReachable) return sendJson(res, 503, { status: 'unready', reason: 'PVWA unreachable' });
        return sendJson(res, 200, { status: 'ready' });
      case '/metrics':
        metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'metrics failed');
            sendJson(res, 500, { error: 'metrics failed' });
          },
        );
        return;
      default:
        if (ide && path.startsWith(IDE_ASSET_PREFIX)) return ide.serveAsset(path, req, res);
        return sendJson(res, 404, { errors: [{ message: 'Not found. GraphQL is served at /graphql.' }] });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  return {
    url: `http://${host}:${port}/graphql`,
    server,
    async stop() {
      if (stopping) return;
      stopping = true;
      reachability.stop();
      if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.SHUTDOWN_GRACE_MS);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      client.close();
    },
  };
}
