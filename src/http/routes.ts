import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { sendJson } from './body.js';

/**
 * The small routes beside /graphql, one handler each (the HTTP server composes them in
 * gateway.ts): liveness, readiness, metrics and the answer to any other path.
 */

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** /healthz: the process answers. */
export function healthRoute(): Handler {
  return (_req, res) => sendJson(res, 200, { status: 'ok' });
}

/** /readyz: 200 while the gateway takes traffic, else 503 with why (`unready()` says). */
export function readinessRoute(unready: () => string | null): Handler {
  return (_req, res) => {
    const reason = unready();
    if (reason !== null) return sendJson(res, 503, { status: 'unready', reason });
    sendJson(res, 200, { status: 'ready' });
  };
}

/** /metrics: the Prometheus text of the gateway's registry. */
export function metricsRoute(registry: Registry, logger: Logger): Handler {
  return (_req, res) => {
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
  };
}

/** Any other path. */
export function notFoundRoute(): Handler {
  return (_req, res) => sendJson(res, 404, { errors: [{ message: 'Not found. GraphQL is served at /graphql.' }] });
}
