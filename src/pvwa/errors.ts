/**
 * The one error type the PVWA client throws. It says what went wrong in the PVWA's terms and
 * carries the context (status, PVWA error code); errors.ts turns it into a GraphQL error.
 */

export type PvwaFailure =
  /** No answer within the time allowed. */
  | 'timeout'
  /** No connection, or the connection broke, before an answer. */
  | 'unavailable'
  /** The PVWA answered with a non-2xx status. */
  | 'status'
  /** The PVWA refused a logon's credentials (401 or 403 to a Logon). */
  | 'refused'
  /** The PVWA answered with a redirect (3xx): never followed, never taken as an answer. */
  | 'redirect'
  /** The PVWA answered 2xx, but not with what was asked for (HTML, broken JSON, wrong shape, too big). */
  | 'bad-response'
  /** The gateway is shutting down: the call was stopped before the PVWA answered, or never started. */
  | 'shutdown'
  /** The PVWA does not offer what was asked (a route newer PVWAs have answered 404: risk events before 13.2). */
  | 'unsupported';

export class PvwaError extends Error {
  override readonly name = 'PvwaError';

  constructor(
    readonly failure: PvwaFailure,
    message: string,
    readonly details: {
      /** The PVWA's HTTP status, when it answered. */
      status?: number;
      /** `ErrorCode` of the PVWA's JSON error body, e.g. PASWS006E. */
      pvwaErrorCode?: string;
      /** Whether `message` is the PVWA's own `ErrorMessage`. */
      fromPvwa?: boolean;
      /** How many attempts were made. */
      attempts?: number;
    } = {},
  ) {
    super(message);
  }
}

/**
 * Not a failure: the PVWA asks a logon for another factor (RADIUS), with HTTP 500 and ErrorCode
 * ITATS542I. The message is its prompt; `cookies` (`name=value`) must go back with the answer.
 * Made by failures.ts, turned into an answer by the client's logon, never shown as an error.
 */
export class PvwaChallenge extends PvwaError {
  constructor(
    prompt: string,
    readonly cookies: string[],
    details: PvwaError['details'],
  ) {
    super('status', prompt, details);
  }
}

/**
 * The PVWA refused a token: it answered 401 (the session is over: expired, logged off) or 403
 * (it refuses this session) to a call made with it. The one rule of the gateway: whatever it keeps
 * for that session is dropped (the client reports it through `onTokenRefused`), and a WebSocket
 * of that session is closed with the code http/websocket.ts gives each refusal.
 */
export type TokenRefusal = 401 | 403;

/** The refusal a failed call carries, or null when it is another failure. */
export function tokenRefusal(error: unknown): TokenRefusal | null {
  if (!(error instanceof PvwaError) || error.failure !== 'status') return null;
  const { status } = error.details;
  return status === 401 || status === 403 ? status : null;
}
