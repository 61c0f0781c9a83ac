import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header } from './body.js';

/**
 * HTTP caching of /graphql answers: revalidation for GET, nothing for the rest.
 *
 * A GET query's 200 answer carries a strong ETag of its bytes and `Cache-Control: private,
 * no-cache`: a browser (never a shared cache) may keep it, but asks again every time, with
 * `If-None-Match`; when the answer is the same bytes it gets `304 Not Modified` without a body.
 * The query still runs first (the PVWA authorises every read, with the caller's token), so a 304
 * says "nothing changed" as freshly as a 200 would. Every other answer (POST, errors, 4xx) is
 * `Cache-Control: no-store`: a POST is never reused, and a refusal must not be.
 *
 * Each representation has its own strong ETag (RFC 9110, 8.8.3): the hash of the uncompressed
 * bytes, with the content coding appended for a compressed one (`"<hash>-br"`).
 */

export const NO_STORE = 'no-store';
const REVALIDATE = 'private, no-cache';

/** The hash an ETag is made of: 128 bits of the body's SHA-256, base64url. */
export function bodyHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 22);
}

/** The strong ETag of the representation of a body with this hash, sent with `encoding` (null: as it is). */
export function entityTag(hash: string, encoding: string | null): string {
  return encoding === null ? `"${hash}"` : `"${hash}-${encoding}"`;
}

/**
 * Whether If-None-Match names `etag`: `*`, or one of its entity tags by the weak comparison
 * RFC 9110 (13.1.2) asks of If-None-Match (a `W/` prefix does not matter).
 */
export function noneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  for (const tag of ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? []) {
    if (tag.replace(/^W\//, '') === etag) return true;
  }
  return false;
}

/**
 * Sets the caching headers of an answer about to be sent: for a GET's 200, its ETag (`hash()` of
 * its uncompressed bytes, asked only then) and revalidation; else no-store. True when the client's
 * If-None-Match holds that ETag: then the answer is sent as 304, without a body.
 */
export function cachingHeaders(req: IncomingMessage, res: ServerResponse, status: number, hash: () => string, encoding: string | null): boolean {
  if (req.method !== 'GET' || status !== 200) {
    res.setHeader('cache-control', NO_STORE);
    return false;
  }
  const etag = entityTag(hash(), encoding);
  res.setHeader('cache-control', REVALIDATE);
  res.setHeader('etag', etag);
  return noneMatch(header(req, 'if-none-match'), etag);
}
