/**
 * Event ids and the PVWA's URL rules ("No spaces in the URL", "+, & and % are not supported in
 * URL values", "If the URL contains a dot, it must end with /"). An id that breaks them would be
 * refused or misrouted by IIS, so the gateway refuses it before any upstream call.
 */

export const EVENTS_PATH = 'API/pta/API/Events/';

const MAX_ID_LENGTH = 128;
// White space and control characters, and what the PVWA forbids or what would change the path,
// query or fragment.
const FORBIDDEN_IN_ID = /[\s\p{Cc}+&%/\\?#]/u;

/** Why `id` cannot be an event id, or null when it can. */
export function eventIdProblem(id: string): string | null {
  if (id.length < 1 || id.length > MAX_ID_LENGTH) return `must be 1 to ${MAX_ID_LENGTH} characters long`;
  if (FORBIDDEN_IN_ID.test(id)) return 'must not contain white space or any of + & % / \\ ? #';
  if (id === '.' || id === '..') return 'must not be "." or ".."';
  return null;
}

/**
 * The path of one event, relative to the PVWA base URL, for an id that passed `eventIdProblem`.
 * The id goes in as it is: what is left that a URL path cannot hold (quotes, non-ASCII) is
 * percent-encoded by the WHATWG URL parser, which is the least change. An id with a dot gets the
 * trailing `/` the PVWA requires.
 */
export function eventPath(id: string): string {
  return resourcePath(EVENTS_PATH, id);
}

/**
 * The risk events API (PVWA 13.2+). The list and the summary are written with a trailing `/`,
 * one risk event without (the docs and psPAS); `RisksEvents` with both s's, for the PATCH too.
 */
export const RISK_EVENTS_PATH = 'API/pta/API/Risks/RisksEvents/';
export const RISK_SUMMARY_PATH = 'API/pta/API/Risks/Summary/';

/** The path of one risk event, for an id that passed `eventIdProblem` (the same URL rules as `eventPath`). */
export function riskEventPath(id: string): string {
  return resourcePath(RISK_EVENTS_PATH, id);
}

/**
 * The path of the object `id` under `base` (one of the *_PATH constants), or of one of its
 * actions, for an id that passed `eventIdProblem` (the same URL rules hold for every id). An id
 * with a dot gets the trailing `/` the PVWA requires, after the action when there is one.
 */
export function resourcePath(base: string, id: string, action?: string): string {
  const path = action === undefined ? base + id : `${base}${id}/${action}`;
  return id.includes('.') ? path + '/' : path;
}

export const ACCOUNTS_PATH = 'API/Accounts/';
export const LIVE_SESSIONS_PATH = 'API/LiveSessions/';
/**
 * The Gen1 "logged on user details" (self-hosted, every authenticated user). Sent as psPAS sends
 * it, without a trailing `/`: its dot is the WCF handler's `.svc`, not in a value.
 */
export const LOGGED_ON_USER_PATH = 'WebServices/PIMServices.svc/User';

/** The PVWA's name of each CPM operation (the graph's CredentialsAction), in its path. */
export const CREDENTIALS_ACTIONS = { CHANGE: 'Change', VERIFY: 'Verify', RECONCILE: 'Reconcile' } as const;
/** The PVWA's name of each PSM action (the graph's LiveSessionAction), in its path. */
export const LIVE_SESSION_ACTIONS = { TERMINATE: 'Terminate', SUSPEND: 'Suspend', RESUME: 'Resume' } as const;

/** The PVWA's name of each logon method (the graph's LogonMethod), in its Logon path. */
export const LOGON_METHODS = { CYBERARK: 'CyberArk', LDAP: 'LDAP', RADIUS: 'RADIUS', WINDOWS: 'Windows' } as const;
export type LogonMethod = keyof typeof LOGON_METHODS;

/** Whether `value` is a logon method's name. */
export function isLogonMethod(value: unknown): value is LogonMethod {
  return typeof value === 'string' && Object.hasOwn(LOGON_METHODS, value);
}

/** POST here to log on with `method`. */
export function logonPath(method: LogonMethod): string {
  return `API/auth/${LOGON_METHODS[method]}/Logon`;
}

export const LOGOFF_PATH = 'API/Auth/Logoff';
