/**
 * The session cookie's headers: the Set-Cookie the gateway answers and the Cookie header it reads.
 * The cookie holds a sealed session (seal.ts), never the bare token. It is a browser-session
 * cookie (no Max-Age or Expires): the gateway itself refuses a sealed session older than
 * SESSION_MAX_AGE_MS.
 */

export const SESSION_COOKIE = 'pta_session';

const attributes = (secure: boolean) => `HttpOnly; ${secure ? 'Secure; ' : ''}SameSite=Strict; Path=/`;

/** Set-Cookie for a sealed session. `secure` false only for plain-http labs (SESSION_COOKIE_SECURE=false). */
export function sessionCookie(sealed: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sealed}; ${attributes(secure)}`;
}

/** Set-Cookie that removes the session cookie from the browser. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; ${attributes(secure)}; Max-Age=0`;
}

/** Every value of the cookie `name` in a Cookie header, in order (a browser may send more than one). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1 || part.slice(0, at).trim() !== name) continue;
    let value = part.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}
