import { isIP } from 'node:net';

/**
 * What of the PVWA's text may reach a client or a log: a message is shown only when it cannot
 * leak anything (stack frames, paths, addresses, the caller's token); text written to the log has
 * the caller's secrets replaced.
 */

/** Longest PVWA message shown to clients; a longer one is not a plain message. */
const MAX_SHOWN_LENGTH = 200;
/** Most of an upstream error text written to the (debug) log. */
export const MAX_LOGGED_TEXT = 8192;
/** Tokens at least this long cannot occur in text by chance: every occurrence is one. */
const DISTINCT_TOKEN_LENGTH = 16;

const LEAKS: Array<[reason: string, pattern: RegExp]> = [
  ['a stack frame', /\bat\s+[\w$.<>`[\]]+\s*\(|(?:^|\s)at\s+[a-z_$][\w$<>]*\.[\w$<>.]+|\bstack\s*trace\b|\bstack:|\btraceback\b|:line\s+\d+/i],
  ['a URL', /\b[a-z][a-z0-9+.-]*:\/\//i],
  ['a UNC path', /\\\\[^\\\s]+\\/],
  ['a file path', /\b[a-z]:[\\/]|[\w.$-]\\[\w.$-]|(?:^|[\s'"(=:])~?\/[\w.-]+\/[\w.-]/i],
  ['an IP address', /\b\d{1,3}(?:\.\d{1,3}){3}\b/],
];
/** A dotted name whose last label is a word: sql01.corp.local, System.Web, pvwa.example.com. */
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/i;

/**
 * Why a PVWA message must not reach clients, or null when it may: only a single line of at most
 * 200 characters without stack frames, paths, URLs, addresses or host names is shown, and never
 * one that contains one of the caller's secrets (its token or password, the values of the cookies
 * of its call): it is not patched, the gateway's own message is shown.
 */
export function withheldBecause(message: string, secrets: string | readonly string[]): string | null {
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (secret !== '' && message.includes(secret)) return "the caller's token";
  }
  for (const [reason, pattern] of LEAKS) if (pattern.test(message)) return reason;
  for (const word of message.split(/[^\w.:%-]+/)) {
    const bare = word.replace(/^[.:-]+|[.:-]+$/g, '');
    if (isIP(bare) || isIP(bare.replace(/%.*$/, ''))) return 'an IP address';
    if (HOST_NAME.test(bare)) return 'a host name';
  }
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(message)) return 'more than one line';
  if (message.length > MAX_SHOWN_LENGTH) return `more than ${MAX_SHOWN_LENGTH} characters`;
  return null;
}

/**
 * Text with the caller's token replaced by [token], for the log. A token too short to be told
 * from text (a one-letter token is in every other word) is replaced only where it stands alone,
 * so the text around it is never mangled.
 */
export function scrubToken(text: string, token: string, marker = '[token]'): string {
  if (token === '' || !text.includes(token)) return text;
  if (token.length >= DISTINCT_TOKEN_LENGTH) return text.split(token).join(marker);
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g'), marker);
}

/**
 * Text with every secret of the call replaced, for the log: the caller's token or password as
 * [token], the values of cookies its call sent or received (a web session, a balancer's) as
 * [cookie]. Longest first, so a secret that contains another is replaced whole.
 */
export function scrubSecrets(text: string, token: string, cookies: readonly string[] = []): string {
  let scrubbed = scrubToken(text, token);
  for (const value of [...cookies].sort((a, b) => b.length - a.length)) scrubbed = scrubToken(scrubbed, value, '[cookie]');
  return scrubbed;
}

/** The values of a Cookie header's pairs (`a=1; b=2`) and of Set-Cookie lines' cookies (`a=1; Path=/`). */
export function cookieValuesOf(cookieHeader: string | undefined, setCookies: readonly string[] = []): string[] {
  const pairs = [...(cookieHeader?.split(';') ?? []), ...setCookies.map((line) => line.split(';', 1)[0])];
  const values: string[] = [];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const value = at === -1 ? '' : pair.slice(at + 1).trim();
    if (value !== '') values.push(value);
  }
  return values;
}
