import type { PvwaVaultAccount } from '../pvwa/types.js';
import type { VaultAccountRead } from '../pvwa/vault.js';

/**
 * The Vault accounts each PVWA session read, served again to that same session for
 * ACCOUNT_CACHE_TTL_MS without a PVWA call: a page of events names the same few accounts again and
 * again, and the PVWA has no read of several accounts at once.
 *
 * Why it cannot leak across sessions: an entry is filed under the session key (the SHA-256 of
 * the token that read it) and the account id, and a read looks up its own session's key only, so
 * one session is never served what another read, not even another session of the same user. Only
 * what the PVWA answered 200 to that session's token is kept (a 403 or 404 never is). A session
 * that ends (logoff, or a token the PVWA refused) loses its entries at once (`dropSession`), and
 * a read that was under way then keeps nothing. What a session is served from here was read with
 * its own token at most ACCOUNT_CACHE_TTL_MS ago.
 *
 * Bounded across all sessions: at most MAX_ENTRIES entries and MAX_BYTES of JSON, the oldest
 * dropped first. Every entry lives as long, so the oldest is the first to expire anyway.
 *
 * An account the CPM is working on (`secretManagement.status` inProcess) is not kept: a console
 * that asked for a change watches that account, and each of its reads shows the CPM's progress.
 */

/**
 * Most accounts kept. A page of 50 events names a few dozen accounts; 1,000 hold those of a few
 * dozen busy sessions within the default 30 s.
 */
export const ACCOUNT_CACHE_MAX_ENTRIES = 1_000;
/**
 * Most JSON kept, in bytes (2 MiB). A real account is 0.5 to 2 KB, so the entry bound binds
 * first; this one bounds the memory when a PVWA sends large ones (docs/OPERATIONS.md, Memory).
 */
export const ACCOUNT_CACHE_MAX_BYTES = 2 * 1024 * 1024;

/** Whether the CPM is working on the account's credentials now. */
function cpmAtWork(account: PvwaVaultAccount): boolean {
  const status = account.secretManagement?.status;
  return typeof status === 'string' && status.toLowerCase() === 'inprocess';
}

interface Entry {
  account: PvwaVaultAccount;
  bytes: number;
  expiresAt: number;
}

export class AccountCache {
  /** By `${session} ${id}`, oldest first (Map order is insertion order; session keys hold no space). */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Counts the sessions ended: a read under way while one ended keeps nothing. */
  private sessionsEnded = 0;

  constructor(
    private readonly options: { ttlMs: number; maxEntries?: number; maxBytes?: number; now?: () => number },
  ) {}

  /**
   * The session's account `id`: from the cache while fresh, else from `fetch`, kept when it
   * succeeds. A failure is not kept.
   */
  async read(session: string, id: string, fetch: () => Promise<VaultAccountRead>): Promise<PvwaVaultAccount> {
    const key = `${session} ${id}`;
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.expiresAt > this.now()) return hit.account;
    const ended = this.sessionsEnded;
    const { account, bytes } = await fetch();
    if (this.options.ttlMs > 0 && ended === this.sessionsEnded && !cpmAtWork(account)) this.keep(key, { account, bytes, expiresAt: this.now() + this.options.ttlMs });
    return account;
  }

  /** Forgets one account of a session (it changed: the session asked the CPM to act on it). */
  drop(session: string, id: string): void {
    this.remove(`${session} ${id}`);
  }

  /** Forgets every account of a session that ended. */
  dropSession(session: string): void {
    this.sessionsEnded++;
    const prefix = `${session} `;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.remove(key);
  }

  get stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private keep(key: string, entry: Entry): void {
    const maxEntries = this.options.maxEntries ?? ACCOUNT_CACHE_MAX_ENTRIES;
    const maxBytes = this.options.maxBytes ?? ACCOUNT_CACHE_MAX_BYTES;
    if (entry.bytes > maxBytes) return;
    this.remove(key);
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    const now = this.now();
    for (const [oldest, { expiresAt }] of this.entries) {
      if (expiresAt > now && this.entries.size <= maxEntries && this.bytes <= maxBytes) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
