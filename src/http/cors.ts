import type { IncomingMessage, ServerResponse } from 'node:http';
import { header } from './body.js';

/**
 * CORS for /graphql. A browser page on an allowed origin (CORS_ORIGINS: exact origins; in
 * development `http://localhost` and `http://127.0.0.1` on any port) may call the API with
 * credentials (the session cookie): its requests get `Access-Control-Allow-Origin: <that origin>`
 * and `Access-Control-Allow-Credentials: true`, and its preflights are granted for the methods and
 * headers GraphQL clients send. Any other origin gets no CORS header, so the browser keeps the
 * answer from the page. Every answer says `Vary: Origin`, so no cache serves one origin's answer to
 * another. CSRF prevention (Apollo's) stays on: a cross-site request still needs a preflight.
 */

const ALLOW_METHODS = 'GET, POST';
// traceparent and tracestate: a traced page's trace context (W3C), which the gateway's spans join.
const ALLOW_HEADERS = 'content-type, authorization, x-request-id, apollo-require-preflight, x-apollo-operation-name, traceparent, tracestate';
/** How long a browser may reuse a granted preflight: 2 hours (Chromium's own cap). */
const MAX_AGE_SECONDS = '7200';
/** Response headers a page may read besides the simple ones. */
const EXPOSE_HEADERS = 'x-request-id';

/** Whether a page on `origin` may call; `origins` are exact, or end in `:*` for any port of a host. */
export function originMatcher(origins: readonly string[]): (origin: string) => boolean {
  const exact = new Set(origins.filter((origin) => !origin.endsWith(':*')));
  const anyPort = origins.filter((origin) => origin.endsWith(':*')).map((origin) => origin.slice(0, -2));
  return (origin) => exact.has(origin) || anyPort.some((host) => origin === host || (origin.startsWith(host + ':') && /^\d{1,5}$/.test(origin.slice(host.length + 1))));
}

/**
 * Applies CORS to a /graphql request. Answers a preflight itself (204, with the grant only for
 * an allowed origin) and returns true; otherwise sets the headers and returns false.
 */
export function createCors(allows: (origin: string) => boolean): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    res.setHeader('vary', 'Origin');
    const origin = header(req, 'origin');
    const allowed = origin !== undefined && allows(origin);
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
    if (req.method === 'OPTIONS' && origin !== undefined && header(req, 'access-control-request-method') !== undefined) {
      if (allowed) {
        res.setHeader('access-control-allow-methods', ALLOW_METHODS);
        res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
        res.setHeader('access-control-max-age', MAX_AGE_SECONDS);
      }
      res.writeHead(204, { 'content-length': '0' });
      res.end();
      return true;
    }
    if (allowed) res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
    return false;
  };
}
