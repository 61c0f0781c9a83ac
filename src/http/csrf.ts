import type { IncomingMessage } from 'node:http';
import { CSRF_PREFLIGHT_HEADERS } from '../apollo.js';
import { header } from './body.js';

/**
 * CSRF prevention for /graphql, decided by the route before anything else runs (the rendered
 * answers' upstream read included): Apollo Server's rule, and one rule of the gateway's for GET.
 *
 * Apollo's rule (its preventCsrf): a request a browser could send across sites without a
 * preflight is refused, unless it shows a preflight was made. It passes when it has a
 * `content-type` that is not one a form can send (`application/json`: every JSON POST), or a
 * non-empty `x-apollo-operation-name` or `apollo-require-preflight`. So a plain GET (urql's
 * default for queries, Apollo Client's `useGETForQueries`) is refused even from the gateway's own
 * page.
 *
 * The gateway's rule: a GET without an `Authorization` header (a browser's: it carries the
 * session cookie, or no session at all) is also served when the browser says where it comes from:
 * `Sec-Fetch-Site: same-origin`, or an `Origin` in CORS_ORIGINS. A browser sets both itself (page
 * scripts cannot), and sends `Origin` on every cross-origin fetch: a page of another site gets
 * neither, and stays refused. A GET is only ever a query (Apollo runs no mutation over GET).
 * Requests with `Authorization` keep Apollo's rule alone.
 */

/** Content types a page can send across sites without a preflight (the Fetch standard's). */
const FORM_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** What Apollo answers a refused request, and the gateway's own rule besides. */
export const CSRF_MESSAGE =
  "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header " +
  `(with a type that is not one of ${[...FORM_CONTENT_TYPES].join(', ')}) or provide a non-empty value for one of the following headers: ` +
  `${CSRF_PREFLIGHT_HEADERS.join(', ')}. A GET from a browser page without them is served when the page is on the gateway's own ` +
  'origin (Sec-Fetch-Site: same-origin) or on an origin CORS_ORIGINS allows.';

export type CsrfVerdict =
  /** Apollo's rule lets it through. */
  | { pass: 'apollo' }
  /** The gateway's GET rule lets it through (Apollo's check must be told: CSRF_SERVED_HEADER). */
  | { pass: 'browser' }
  /** Refused, and why (for the log). */
  | { pass: false; reason: string };

/** The content type's essence (`type/subtype`, lower case); null when it does not parse (Apollo lets those through). */
function essence(contentType: string): string | null {
  const value = contentType.split(';', 1)[0].trim().toLowerCase();
  return /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(value) ? value : null;
}

/** Whether `req` may run, by CSRF prevention; `allowsOrigin` is CORS_ORIGINS' matcher. */
export function csrfVerdict(req: IncomingMessage, allowsOrigin: (origin: string) => boolean): CsrfVerdict {
  const contentType = header(req, 'content-type');
  const type = contentType === undefined ? undefined : essence(contentType);
  if (type === null || (type !== undefined && !FORM_CONTENT_TYPES.has(type))) return { pass: 'apollo' };
  if (CSRF_PREFLIGHT_HEADERS.some((name) => (header(req, name) ?? '') !== '')) return { pass: 'apollo' };
  const origin = header(req, 'origin');
  if (req.method === 'GET' && header(req, 'authorization') === undefined) {
    if (header(req, 'sec-fetch-site') === 'same-origin' || (origin !== undefined && allowsOrigin(origin))) return { pass: 'browser' };
    return { pass: false, reason: 'a GET without a preflight header, neither same-origin (Sec-Fetch-Site) nor from an origin in CORS_ORIGINS' };
  }
  if (req.method === 'GET') return { pass: false, reason: 'a GET with Authorization and without a preflight header' };
  return { pass: false, reason: `a ${req.method ?? 'request'} with ${type === undefined ? 'no content-type' : `content-type ${type}`} (one a page can send across sites) and without a preflight header` };
}
