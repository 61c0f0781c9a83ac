import type { Logger } from 'pino';
import type { EventChange, SortedEvent } from '../events/types.js';
import type { PvwaApi } from '../pvwa/client.js';
import type { PvwaEvent } from '../pvwa/types.js';
import type { LogonApi } from '../sessions/logon.js';
import type { RequestRecord } from '../telemetry/record.js';
import type { Loaders } from './loaders.js';
import type { Warning } from './warnings.js';

/** The caller's session as the `session` query shows it. */
export interface SessionView {
  delivery: 'TOKEN' | 'COOKIE';
  /** When the session cookie stops being accepted; null for a token (the PVWA decides). */
  expiresAt: Date | null;
}

/**
 * Everything a resolver may use, for one request only. Declared here, beside the resolvers that
 * use it; src/context.ts builds it for each request (HTTP or WebSocket).
 */
export interface GraphContext {
  /** The request's id and what its log line will say. */
  record: RequestRecord;
  logger: Logger;
  /**
   * The PVWA client bound to the caller's token (Authorization, else a valid session cookie);
   * throws UNAUTHENTICATED when there is none.
   */
  pvwa(): PvwaApi;
  /** Logon, challenges and logoff, for this request. */
  readonly logon: LogonApi;
  /** The request's DataLoaders, made on first use. */
  readonly loaders: Loaders;
  /**
   * Forgets what the loaders read: one subscription's context serves each of its results, and each
   * result reads the Vault afresh (a live session terminated since the last one is gone).
   */
  forgetReads(): void;
  /** Warnings for the response's `extensions.warnings`. */
  warnings: Warning[];
  /** How the caller's session came (Authorization, or the session cookie) and until when; null without one. No PVWA call. */
  session(): SessionView | null;
  /** The key of the caller's PVWA session (the token's SHA-256); null without a token. */
  sessionKey(): string | null;
  /** A change this PVWA session made through the gateway (write-through to its snapshots). */
  wroteEvent(event: PvwaEvent): void;
  /** The session asked the CPM to act on this account: its cached copy is dropped, the next read shows the CPM's state. */
  actedOnAccount(id: string): void;
  /** The gateway's wall clock, in epoch ms. */
  now(): number;
  /** The session's live changes that `matches` keeps (subscriptions over WebSocket only). */
  subscribeToChanges(matches: (entry: SortedEvent) => boolean): AsyncIterableIterator<EventChange>;
}
