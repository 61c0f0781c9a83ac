import type { IncomingHttpHeaders } from 'node:http';
import { HTTPError, RequestError } from 'got';
import type { Logger } from 'pino';
import { PvwaChallenge, PvwaError } from './errors.js';
import { cookieValuesOf, MAX_LOGGED_TEXT, scrubSecrets, withheldBecause } from './safe-message.js';
import type { PvwaErrorBody } from './types.js';

/**
 * How the PVWA's answers and got's errors are read: the one place a failed call becomes a
 * PvwaError (the client's `errorFromResponse`, in @apollo/datasource-rest's terms).
 */

/** Connection failures: the PVWA could not be reached, or the connection broke. */
export const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE',
]);
/** Node's codes for a certificate that does not verify (self-signed, unknown CA, expired, wrong host). */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/;
/** The PVWA's code for a logon that needs another factor (a RADIUS challenge), sent with HTTP 500. */
export const LOGON_CHALLENGE_CODE = 'ITATS542I';

/** Whether an error code says the PVWA's certificate did not verify. */
export function isTlsVerificationCode(code: string): boolean {
  return TLS_CODES.test(code);
}

/** A call stopped (or not started) because the gateway is shutting down. */
export function shuttingDown(attempts: number): PvwaError {
  return new PvwaError('shutdown', 'The gateway is shutting down; retry the request.', { attempts });
}

/** A PVWA answer as the client read it. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The URL called (the redirect's Location is resolved against it). */
  url: string;
  /** Attempts before this one. */
  retryCount: number;
  rawBody: Buffer;
  body: string;
}

/** The body as JSON when the PVWA said it is JSON (or said nothing); undefined otherwise. */
export function parseJson(response: { headers: IncomingHttpHeaders; body?: unknown; rawBody?: Buffer }): unknown {
  const type = response.headers['content-type'];
  if (type !== undefined && !/json/i.test(type)) return undefined;
  const text = typeof response.body === 'string' ? response.body : String(response.rawBody ?? '');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A redirect (3xx) as a failure: got does not follow it (followRedirect is off) and returns it as
 * an answer, but it is never the answer asked for: PVWA_URL points at the wrong place, or a
 * sign-on page stands in front of the API. Null for any other status.
 */
export function redirectFailure(response: UpstreamAnswer, logger: Logger): PvwaError | null {
  const status = response.statusCode;
  if (status < 300 || status > 399) return null;
  const location = response.headers.location;
  let shown: string | undefined;
  try {
    // Where to, without its query (a sign-on page's query can carry anything).
    const url = new URL(location ?? '', response.url);
    if (location !== undefined) shown = url.origin + url.pathname;
  } catch {
    shown = 'unreadable';
  }
  logger.warn({ status, location: shown }, 'the PVWA answered with a redirect: check PVWA_URL, or a sign-on page is in front of the API');
  return new PvwaError('redirect', 'The PVWA redirected: check PVWA_URL, or a sign-on page is in front of the API.', {
    status, attempts: 1 + response.retryCount,
  });
}

/** The secrets of one call, which no log line or client message may show. */
export interface CallSecrets {
  /** The caller's token, or a logon's password. */
  token: string;
  /** The Cookie header the call sent (a challenge's PVWA cookies), if any. */
  cookie?: string;
}

/**
 * What a failed got call means, in the PVWA's terms. Anything that is not got's is rethrown.
 * Clients get the PVWA's ErrorCode and status always, its ErrorMessage only when it is safe to
 * show (`withheldBecause`); the whole answer goes to the debug log with the call's secrets
 * scrubbed: the token or password, and the values of the cookies sent or set.
 */
export function pvwaErrorFrom(error: unknown, secrets: CallSecrets, attempts: number, logger: Logger, requestId?: string): PvwaError {
  const { token } = secrets;
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    const cookies = cookieValuesOf(secrets.cookie, error.response.headers['set-cookie'] ?? []);
    const body = parseJson(error.response) as PvwaErrorBody | undefined;
    const code = body?.ErrorCode;
    const pvwaErrorCode = typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? code : undefined;
    const message = typeof body?.ErrorMessage === 'string' ? body.ErrorMessage : undefined;
    const withheld = message === undefined ? null : withheldBecause(message, [token, ...cookies]);
    if (logger.isLevelEnabled('debug')) {
      const text = String(error.response.body ?? '');
      logger.debug({
        requestId, status, pvwaErrorCode, messageWithheld: withheld ?? undefined,
        upstreamText: scrubSecrets(text.slice(0, MAX_LOGGED_TEXT), token, cookies), upstreamTextLength: text.length,
      }, 'PVWA error answer');
    }
    const shown = withheld === null ? message : undefined;
    if (pvwaErrorCode === LOGON_CHALLENGE_CODE) {
      // The challenge is tied to the cookies of this answer: only their name=value pairs go back.
      const cookies = (error.response.headers['set-cookie'] ?? []).map((line) => line.split(';', 1)[0].trim()).filter((pair) => pair.indexOf('=') > 0);
      return new PvwaChallenge(shown ?? 'Enter the one-time code.', cookies, { status, pvwaErrorCode, fromPvwa: shown !== undefined, attempts });
    }
    return new PvwaError('status', shown ?? `The PVWA answered with HTTP ${status}.`, {
      status, pvwaErrorCode, fromPvwa: shown !== undefined, attempts,
    });
  }
  if (error instanceof RequestError) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError' || error.code === 'ETIMEDOUT' || error.code === 'ERR_ABORTED') {
      return new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts });
    }
    if (isTlsVerificationCode(error.code)) {
      logger.error({ code: error.code }, 'the PVWA TLS certificate could not be verified (see PVWA_CA_FILE)');
      return new PvwaError('bad-response', "The PVWA's TLS certificate could not be verified.", { attempts });
    }
    if (!UNAVAILABLE_CODES.has(error.code) && error.name !== 'ReadError') {
      logger.warn({ code: error.code, name: error.name }, 'PVWA call failed');
    }
    return new PvwaError('unavailable', 'The PVWA could not be reached.', { attempts });
  }
  throw error;
}
