import { HTTPError, RequestError, type Response } from 'got';
import type { Logger } from 'pino';
import { PvwaError } from './errors.js';
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
const MAX_MESSAGE_LENGTH = 300;

/** The body as JSON when the PVWA said it is JSON (or said nothing); undefined otherwise. */
export function parseJson(response: Response<unknown>): unknown {
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
export function redirectFailure(response: Response<unknown>, logger: Logger): PvwaError | null {
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

/** A PVWA message as safe to show: without the caller's token, and not too long. */
function scrub(message: string, token: string): string {
  const clean = token && message.includes(token) ? message.split(token).join('[token]') : message;
  return clean.length > MAX_MESSAGE_LENGTH ? clean.slice(0, MAX_MESSAGE_LENGTH) + '...' : clean;
}

/** What a failed got call means, in the PVWA's terms. Anything that is not got's is rethrown. */
export function pvwaErrorFrom(error: unknown, token: string, attempts: number, logger: Logger): PvwaError {
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    const body = parseJson(error.response) as PvwaErrorBody | undefined;
    const pvwaErrorCode = typeof body?.ErrorCode === 'string' ? body.ErrorCode : undefined;
    const pvwaMessage = typeof body?.ErrorMessage === 'string' ? scrub(body.ErrorMessage, token) : undefined;
    return new PvwaError('status', pvwaMessage ?? `The PVWA answered with HTTP ${status}.`, {
      status, pvwaErrorCode, fromPvwa: pvwaMessage !== undefined, attempts,
    });
  }
  if (error instanceof RequestError) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError' || error.code === 'ETIMEDOUT' || error.code === 'ERR_ABORTED') {
      return new PvwaError('timeout', 'The PVWA did not answer in time.', { attempts });
    }
    if (TLS_CODES.test(error.code)) {
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
