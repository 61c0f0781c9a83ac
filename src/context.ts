import { GraphQLError } from 'graphql';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { AccountCache } from './accounts/cache.js';
import { unauthenticated } from './errors.js';
import type { SessionRefused } from './events/change-stream.js';
import type { LiveHub } from './events/live-hub.js';
import type { SnapshotStore } from './events/snapshot-store.js';
import { directSource, OUTSIDE_SNAPSHOTS, snapshotSource, type SnapshotReadMark } from './events/sources.js';
import type { EventChange, EventSource, FetchEvents, SortedEvent } from './events/types.js';
import type { GraphContext, SessionView } from './graph/context.js';
import { createLoaders, type Loaders } from './graph/loaders.js';
import type { VaultReads } from './graph/vault-loaders.js';
import type { Warning } from './graph/warnings.js';
import type { PvwaApi, PvwaPort } from './pvwa/client.js';
import type { PvwaEvent } from './pvwa/types.js';
import { sessionKey, type Credentials } from './sessions/credentials.js';
import type { LogonApi, LogonService } from './sessions/logon.js';
import type { RequestRecord } from './telemetry/record.js';

/** What every request's context is made from, besides the request's own credentials and record. */
export interface ContextDeps {
  pvwa: Pick<PvwaPort, 'bind'>;
  logger: Logger;
  /** Logon, logoff and session cookies. */
  logons: LogonService;
  /** The per-session snapshots (reads when on, write-through and live events always). */
  store: SnapshotStore;
  snapshotReads: boolean;
  /** The Vault accounts each session read (ACCOUNT_CACHE_TTL_MS). */
  accounts: AccountCache;
  /** Most account and live-session reads one request has in flight (PVWA_ACCOUNT_CONCURRENCY). */
  vaultConcurrency: number;
  /** The wall clock, epoch ms. */
  now: () => number;
}

/** What a WebSocket operation has besides an HTTP one: the live-events hub and its socket. */
export interface LiveContext {
  hub: LiveHub;
  /** Closes the subscription's socket when the PVWA refuses its session. */
  sessionRefused: SessionRefused;
}

/** A request's own parts besides its credentials and record, each for one transport. */
export interface RequestParts {
  /** Collects the Set-Cookie values of the answer (HTTP only). */
  responseCookies?: string[];
  /** The live-events hub and the socket (WebSocket only). */
  live?: LiveContext;
  /** Told of each snapshot read the request makes (the HTTP route's rendered-answer cache). */
  snapshotReads?: SnapshotReadMark[];
  /** The client's address (its TCP peer), for the logon throttle. */
  clientAddress?: string;
  /** The token's session key, when the caller already has it (a SHA-256 not made twice). */
  sessionKey?: string;
  /** The request's Origin header: it comes from a browser page. */
  origin?: string;
}

/**
 * A class, not an object literal, for Apollo Server's sake: it clones the context of every
 * request with `Object.assign(Object.create(prototype), context)`, which would run an own getter
 * (and build the loaders of every mutation); a getter on the prototype is only run when used.
 */
class RequestContext implements GraphContext {
  readonly warnings: Warning[] = [];
  private api: PvwaApi | undefined;
  private lazyLoaders: Loaders | undefined;
  private lazySessionKey: string | undefined;

  readonly logger: Logger;
  private readonly token: string | null;

  constructor(
    readonly record: RequestRecord,
    private readonly deps: ContextDeps,
    private readonly credentials: Credentials,
    private readonly parts: RequestParts,
  ) {
    this.logger = deps.logger;
    this.token = credentials.token;
    this.lazySessionKey = parts.sessionKey;
  }

  pvwa(): PvwaApi {
    // A stale cookie (and no Authorization) is refused here, before any PVWA call.
    if (this.token === null) throw this.noSession();
    return (this.api ??= this.deps.pvwa.bind({ token: this.token, requestId: this.record.requestId, observer: this.record }));
  }

  get logon(): LogonApi {
    return this.deps.logons.bind({
      caller: { requestId: this.record.requestId, observer: this.record },
      credentials: this.credentials,
      clientAddress: this.parts.clientAddress,
      responseCookies: this.parts.responseCookies ?? [],
      pvwa: () => this.pvwa(),
    });
  }

  get loaders(): Loaders {
    return (this.lazyLoaders ??= createLoaders(this.eventSource(), this.vaultReads(), this.warnings, this.record, this.logger));
  }

  wroteEvent(event: PvwaEvent): void {
    if (this.token !== null) this.deps.store.writeThrough(this.key(), event);
  }

  forgetReads(): void {
    this.lazyLoaders = undefined;
  }

  actedOnAccount(id: string): void {
    if (this.token !== null) this.deps.accounts.drop(this.key(), id);
  }

  now(): number {
    return this.deps.now();
  }

  subscribeToChanges(matches: (entry: SortedEvent) => boolean): AsyncIterableIterator<EventChange> {
    if (this.token === null) throw this.noSession();
    const { live } = this.parts;
    if (!live) throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql.', { extensions: { code: 'BAD_REQUEST' } });
    return live.hub.subscribe(this.key(), this.token, matches, live.sessionRefused, this.record.traceParent);
  }

  session(): SessionView | null {
    if (this.token === null) return null;
    // Answered from the request alone: it says nothing of the snapshot, so its answer is never
    // served again as a rendered answer (the same query with the token has another answer).
    this.parts.snapshotReads?.push(OUTSIDE_SNAPSHOTS);
    const { fromCookie, expiresAt } = this.credentials;
    return fromCookie && expiresAt !== undefined ? { delivery: 'COOKIE', expiresAt: new Date(expiresAt) } : { delivery: 'TOKEN', expiresAt: null };
  }

  private noSession() {
    return unauthenticated(this.credentials.stale ? 'invalid' : 'none', this.parts.origin !== undefined);
  }

  /** The session's key: the SHA-256 of the token, computed once, when needed. */
  sessionKey(): string | null {
    return this.token === null ? null : (this.lazySessionKey ??= sessionKey(this.token));
  }

  /** The session's key, for a request known to have a token. */
  private key(): string {
    return this.sessionKey() as string;
  }

  /**
   * Accounts from the session's own cache entries, else the PVWA; live sessions and the user from
   * the PVWA. The request's reads share one limit, made on first use: its own, so one request's
   * reads never wait behind another's. Each marks the request as reading outside the snapshots,
   * so its answer is never served again as a rendered answer.
   */
  private vaultReads(): VaultReads {
    let limit: LimitFunction | undefined;
    const slot = <T>(read: () => Promise<T>) => (limit ??= pLimit(this.deps.vaultConcurrency))(read);
    let marked = false;
    const api = () => {
      const pvwa = this.pvwa();
      if (!marked) this.parts.snapshotReads?.push(OUTSIDE_SNAPSHOTS);
      marked = true;
      return pvwa;
    };
    return {
      account: async (id) => {
        const pvwa = api();
        return this.deps.accounts.read(this.key(), id, () => slot(() => pvwa.getAccount(id)));
      },
      liveSession: async (id) => {
        const pvwa = api();
        return slot(() => pvwa.getLiveSession(id));
      },
      loggedOnUser: async () => api().getLoggedOnUser(),
    };
  }

  private eventSource(): EventSource {
    const fetch: FetchEvents = (query, parent) => this.pvwa().getEvents(query, parent);
    // Without a token there is no snapshot to look up: the read is refused (UNAUTHENTICATED) by pvwa().
    if (!this.deps.snapshotReads || this.token === null) return directSource(fetch);
    return snapshotSource(this.deps.store, this.key(), this.record, fetch, this.parts.snapshotReads);
  }
}

export function createContext(deps: ContextDeps, credentials: Credentials, record: RequestRecord, parts: RequestParts = {}): GraphContext {
  return new RequestContext(record, deps, credentials, parts);
}
