import { PvwaError } from './errors.js';
import type { PvwaLiveSession, PvwaLoggedOnUser, PvwaVaultAccount } from './types.js';
import { isObject } from './validate.js';

/**
 * The PVWA's answers about Vault objects (docs/pvwa-respond-api.md), checked before they enter the
 * graph: only what the graph declares non-null is required; the mappers read the rest tolerantly.
 */

/** An account as the PVWA answered it, and the JSON bytes it took (what the account cache counts). */
export interface VaultAccountRead {
  account: PvwaVaultAccount;
  bytes: number;
}

const notA = (what: string) => new PvwaError('bad-response', `The PVWA did not answer with ${what}.`, { status: 200 });

const hasId = (value: unknown) => (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));

/** The answer of GET /API/Accounts/{id}: an object with an id. */
export function vaultAccountFrom(body: unknown, bytes: number): VaultAccountRead {
  if (!isObject(body) || !hasId(body.id)) throw notA('a Vault account');
  return { account: body as unknown as PvwaVaultAccount, bytes };
}

const isSession = (value: unknown): value is PvwaLiveSession =>
  isObject(value) && (hasId(value.SessionID) || hasId(value.SessionGuid));

/**
 * The answer of GET /API/LiveSessions/{id}: the session, or null when the PVWA's list holds none
 * (the session ended). The documented answer is `{"LiveSessions": [<the session>], "Total": 1}`;
 * the session object itself (as `/properties` answers) is taken too. In a list, the session whose
 * SessionID or SessionGuid is `id` is taken, else the first.
 */
export function liveSessionFrom(body: unknown, id: string): PvwaLiveSession | null {
  if (isObject(body) && Array.isArray(body.LiveSessions)) {
    const sessions = body.LiveSessions as unknown[];
    if (sessions.length === 0) return null;
    const chosen = sessions.find((session) => isObject(session) && (session.SessionID === id || session.SessionGuid === id)) ?? sessions[0];
    if (!isSession(chosen)) throw notA('a live session');
    return chosen;
  }
  if (!isSession(body)) throw notA('a live session');
  return body;
}

/** The answer of GET /WebServices/PIMServices.svc/User: an object with a UserName. */
export function loggedOnUserFrom(body: unknown): PvwaLoggedOnUser {
  if (!isObject(body) || typeof body.UserName !== 'string' || body.UserName === '') throw notA('the logged-on user');
  return body as unknown as PvwaLoggedOnUser;
}
