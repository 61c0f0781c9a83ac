import { createHash } from 'node:crypto';

/**
 * Who a request is: the caller's PVWA token, from the Authorization header or the session cookie,
 * and the key everything the gateway keeps for that PVWA session is filed under.
 */

/** The key of a PVWA session: the SHA-256 of its token. The raw token is never kept. */
export function sessionKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** What a request's session cookie gave. */
export interface CookieSession {
  /** The token of the first session cookie that opened; null when none did. */
  token: string | null;
  /** A session cookie was sent but none opened: tampered, sealed with another secret, or too old. */
  stale: boolean;
  /** When the gateway stops accepting the cookie that opened (its logon + SESSION_MAX_AGE_MS), epoch ms. */
  expiresAt?: number;
}

/** Where the token of a request comes from. */
export interface Credentials extends CookieSession {
  /** Whether `token` is the session cookie's (no Authorization header was sent). */
  fromCookie: boolean;
}

const BEARER = /^bearer(?:\s+|$)/i;

/**
 * The caller's PVWA token from the Authorization header: the raw value, or the value after
 * `Bearer `. A token still wrapped in the JSON quotes of the Logon answer is unwrapped, as the
 * PVWA would refuse it. Null when there is none.
 */
export function tokenFrom(authorization: string | undefined): string | null {
  if (!authorization) return null;
  let token = authorization.trim().replace(BEARER, '');
  if (token.length >= 2 && token.startsWith('"') && token.endsWith('"')) token = token.slice(1, -1);
  return token === '' ? null : token;
}

/** The request's token: from Authorization when present, else from a valid session cookie. */
export function credentialsFrom(cookieSession: (cookie: string | undefined) => CookieSession, authorization: string | undefined, cookie: string | undefined): Credentials {
  const token = tokenFrom(authorization);
  if (token !== null) return { token, stale: false, fromCookie: false };
  return cookieCredentials(cookieSession(cookie));
}

/** The credentials a session cookie gives (a request without Authorization, a WebSocket without connectionParams.authorization). */
export function cookieCredentials(session: CookieSession): Credentials {
  return { ...session, fromCookie: session.token !== null };
}
