import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { PvwaError } from './pvwa/errors.js';

/**
 * The error codes of the gateway (`extensions.code`). Apollo's own request-level codes
 * (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_REQUEST, ...) pass through unchanged.
 */
export const ErrorCode = {
  /** No session (token or valid session cookie), the PVWA answered 401, or it refused a logon. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The PVWA answered 403. */
  FORBIDDEN: 'FORBIDDEN',
  /** The PVWA answered 404. */
  NOT_FOUND: 'NOT_FOUND',
  /** The gateway refused the input, or the PVWA answered 400. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The PVWA did not answer in time. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** The PVWA could not be reached, or answered 429, 502, 503 or 504. */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** Any other PVWA failure: another 5xx, HTML or broken JSON, a body of the wrong shape. */
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  /** A subscription whose client did not read: too many changes were waiting; subscribe again. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** A subscription sent over HTTP: subscriptions are served over WebSocket at /graphql. */
  SUBSCRIPTION_OVER_HTTP: 'SUBSCRIPTION_OVER_HTTP',
  /** A fault of the gateway itself. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** The gateway is shutting down and stopped the request's PVWA call (HTTP 503): retry it. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** A request named a trusted document by an id the manifest (TRUSTED_DOCUMENTS) does not hold (HTTP 400). */
  PERSISTED_DOCUMENT_NOT_FOUND: 'PERSISTED_DOCUMENT_NOT_FOUND',
  /** TRUSTED_DOCUMENTS_MODE=enforce: the request's document is not one of the manifest's (HTTP 400). */
  PERSISTED_DOCUMENT_REQUIRED: 'PERSISTED_DOCUMENT_REQUIRED',
  /** Too many failed logons of this user name or from this address lately (HTTP 429, `retryAfterSeconds`). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The gateway is building too many large answers at once, for everyone or for this session (HTTP 503, `retryAfterSeconds`). */
  GATEWAY_BUSY: 'GATEWAY_BUSY',
  /** The PVWA is too old for what was asked (risk events need PVWA 13.2 or later). */
  UNSUPPORTED_BY_PVWA: 'UNSUPPORTED_BY_PVWA',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes Apollo Server sets itself for a request it cannot run. */
const APOLLO_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
]);
const OUR_CODES = new Set<string>(Object.values(ErrorCode));

export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } });
}

/**
 * An error that also sets the HTTP answer's status and Retry-After (Apollo Server takes
 * `extensions.http` off the error and applies it; over WebSocket `retryAfterSeconds` says it).
 */
function retryLater(code: ErrorCode, message: string, status: number, seconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, retryAfterSeconds: seconds, http: { status, headers: new Map([['retry-after', String(seconds)]]) } },
  });
}

/** Too many failed logons lately: try again in `seconds`. */
export function rateLimited(seconds: number): GraphQLError {
  return retryLater(ErrorCode.RATE_LIMITED, `Too many failed logons for this user or from this address; try again in ${seconds} s.`, 429, seconds);
}

/** Too many large answers being built at once: try again in `seconds`. */
export function gatewayBusy(scope: 'gateway' | 'session', seconds: number): GraphQLError {
  const whose = scope === 'session' ? 'for this session' : 'on this gateway';
  return retryLater(ErrorCode.GATEWAY_BUSY, `Too many large answers are being built ${whose} at once; try again in ${seconds} s.`, 503, seconds);
}

/** No session: no token in Authorization and no session cookie; or a session cookie that is not valid. */
export function unauthenticated(cookie: 'none' | 'invalid' = 'none'): GraphQLError {
  const message = cookie === 'invalid'
    ? 'The session cookie is invalid or has expired; log on again.'
    : 'A PVWA session is required: a token in the Authorization header, or the session cookie of a logon.';
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED } });
}

/** The code for a PVWA failure. */
export function codeOfPvwaError(error: PvwaError): ErrorCode {
  switch (error.failure) {
    case 'timeout': return ErrorCode.UPSTREAM_TIMEOUT;
    case 'unavailable': return ErrorCode.UPSTREAM_UNAVAILABLE;
    case 'bad-response': case 'redirect': return ErrorCode.UPSTREAM_ERROR;
    case 'refused': return ErrorCode.UNAUTHENTICATED;
    case 'shutdown': return ErrorCode.SHUTTING_DOWN;
    case 'unsupported': return ErrorCode.UNSUPPORTED_BY_PVWA;
    case 'status':
      switch (error.details.status) {
        case 400: return ErrorCode.BAD_USER_INPUT;
        case 401: return ErrorCode.UNAUTHENTICATED;
        case 403: return ErrorCode.FORBIDDEN;
        case 404: return ErrorCode.NOT_FOUND;
        case 429: case 502: case 503: case 504: return ErrorCode.UPSTREAM_UNAVAILABLE;
        default: return ErrorCode.UPSTREAM_ERROR;
      }
  }
}

const GENERIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'The PVWA did not accept the session token.',
  FORBIDDEN: 'The PVWA refused this action for this session.',
  // Events, accounts and live sessions alike; an IIS 404 page also means a route this PVWA lacks.
  NOT_FOUND: 'The PVWA does not know what was asked for.',
  BAD_USER_INPUT: 'The PVWA refused the request as invalid.',
};

/** What a client is told of a failure: a message and a code, with the PVWA's details when it answered. */
export interface ErrorView {
  code: ErrorCode;
  message: string;
  upstreamStatus?: number;
  pvwaErrorCode?: string;
}

/** A PVWA failure as the client sees it, in a GraphQL error or a bulk item alike. */
export function viewOfPvwaError(error: PvwaError): ErrorView {
  const code = codeOfPvwaError(error);
  const { status, pvwaErrorCode, fromPvwa } = error.details;
  const message = fromPvwa || error.failure !== 'status' ? error.message : (GENERIC_MESSAGES[code] ?? error.message);
  const view: ErrorView = { code, message };
  if (status !== undefined) view.upstreamStatus = status;
  if (pvwaErrorCode !== undefined) view.pvwaErrorCode = pvwaErrorCode;
  return view;
}

/**
 * Any failure as the client sees it, for one item of a bulk mutation: a PVWA failure, one of our
 * or Apollo's codes as it is, anything else (a bug: `isGatewayBug`) as INTERNAL_SERVER_ERROR.
 */
export function viewOfError(error: unknown): ErrorView {
  const pvwaError = pvwaErrorOf(error);
  if (pvwaError) return viewOfPvwaError(pvwaError);
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  if (passesThrough(code) && OUR_CODES.has(code)) return { code: code as ErrorCode, message: (error as GraphQLError).message };
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error.' };
}

/** The formatted error a client sees for a PVWA failure. */
function formatPvwaError(formatted: GraphQLFormattedError, error: PvwaError): GraphQLFormattedError {
  const { code, message, upstreamStatus, pvwaErrorCode } = viewOfPvwaError(error);
  const extensions: Record<string, unknown> = { code };
  if (upstreamStatus !== undefined) extensions.upstreamStatus = upstreamStatus;
  if (pvwaErrorCode !== undefined) extensions.pvwaErrorCode = pvwaErrorCode;
  return { message, locations: formatted.locations, path: formatted.path, extensions };
}

/**
 * The one rule for what is a bug of the gateway: a failure that is neither the PVWA's nor carries
 * a code of ours or Apollo's (a plain Error thrown by a resolver, a null for a non-null field).
 * Such an error is answered INTERNAL_SERVER_ERROR by `formatError` and logged, with its stack,
 * once per request by the Apollo plugin.
 */
export function isGatewayBug(error: unknown): boolean {
  if (pvwaErrorOf(error)) return false;
  return !passesThrough(error instanceof GraphQLError ? error.extensions?.code : undefined);
}

/** A code of ours or Apollo's, shown to the client as it is. */
function passesThrough(code: unknown): code is string {
  return typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR && (OUR_CODES.has(code) || APOLLO_CODES.has(code));
}

function pvwaErrorOf(error: unknown): PvwaError | null {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  return original instanceof PvwaError ? original : null;
}

/**
 * Apollo's formatError: the one place a failure becomes what the client sees. PVWA failures get
 * their code and upstream details; our own and Apollo's codes pass; anything else is a bug of the
 * gateway and is shown as INTERNAL_SERVER_ERROR with a generic message. Never a stack trace.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const pvwaError = pvwaErrorOf(error);
  if (pvwaError) return formatPvwaError(formatted, pvwaError);
  if (passesThrough(formatted.extensions?.code)) {
    // `http` is Apollo's instruction for the HTTP answer, never shown (Apollo removes it itself).
    const { stacktrace: _stacktrace, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error.',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
