import DataLoader from 'dataloader';
import { PvwaError } from '../pvwa/errors.js';
import type { PvwaLiveSession, PvwaLoggedOnUser, PvwaVaultAccount } from '../pvwa/types.js';
import type { Warning, WarningSink } from './warnings.js';

/**
 * The request's reads of Vault objects by id. The PVWA has no read of several at once, so each
 * distinct id of a request is one GET (the DataLoaders de-duplicate), and the context runs them
 * side by side within the request's PVWA_ACCOUNT_CONCURRENCY (and serves accounts from the
 * session's account cache first).
 */
export interface VaultReads {
  account(id: string): Promise<PvwaVaultAccount>;
  /** Null when the PVWA lists no session under that id. */
  liveSession(id: string): Promise<PvwaLiveSession | null>;
  loggedOnUser(): Promise<PvwaLoggedOnUser>;
}

export interface VaultLoaders {
  /** Null when the Vault does not know the account (404) or the session may not see it (403, with a warning). */
  accounts: DataLoader<string, PvwaVaultAccount | null>;
  /** Null when the session ended (404, or an empty list) or the session may not see it (403, with a warning). */
  liveSessions: DataLoader<string, PvwaLiveSession | null>;
  /** The logged-on user, read once per request however often it is asked. */
  me(): Promise<PvwaLoggedOnUser>;
}

/** The PVWA's status when a read failed with one. */
const statusOf = (error: unknown) => (error instanceof PvwaError && error.failure === 'status' ? error.details.status : undefined);

/** Made per request (src/context.ts, with the request's loaders) and dropped with it. */
export function createVaultLoaders(reads: VaultReads, sink: WarningSink): VaultLoaders {
  /**
   * Each id's read; 404 is null, 403 is null with `refused`'s warning; any other failure is that
   * id's error (a field error where it is asked for).
   */
  const batch = <T>(read: (id: string) => Promise<T | null>, refused: (id: string) => Warning) => (ids: readonly string[]) =>
    Promise.all(ids.map((id) => read(id).catch((error: unknown) => {
      const status = statusOf(error);
      if (status === 404) return null;
      if (status !== 403) return error as Error;
      const warning = refused(id);
      sink.logger.info({ requestId: sink.record.requestId, code: warning.code, accountId: warning.accountId, sessionId: warning.sessionId }, 'the PVWA refused this session a Vault object');
      sink.warnings.push(warning);
      return null;
    })));

  let me: Promise<PvwaLoggedOnUser> | undefined;
  return {
    me: () => (me ??= reads.loggedOnUser()),
    accounts: new DataLoader(batch((id) => reads.account(id), (accountId) => ({
      code: 'ACCOUNT_NOT_VISIBLE',
      message: `The PVWA refused this session the Vault account ${accountId} (no permission on its safe); it is null.`,
      accountId,
    }))),
    liveSessions: new DataLoader(batch((id) => reads.liveSession(id), (sessionId) => ({
      code: 'LIVE_SESSION_NOT_VISIBLE',
      message: `The PVWA refused this session the live session ${sessionId}; it is left out.`,
      sessionId,
    }))),
  };
}
