import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { unauthenticated } from './errors.js';
import { createLoaders, type EventSource, type Loaders, type Warning } from './graph/loaders.js';
import { sortEvents, type SortedEvent } from './graph/page.js';
import type { PvwaApi, PvwaCallObserver, PvwaClient } from './pvwa/client.js';
import type { PvwaEvent } from './pvwa/types.js';
import { partitionEvents } from './pvwa/validate.js';
import type { LiveChange, LiveHub, SessionEnded } from './sessions/live.js';
import type { Credentials, SessionApi, Sessions } from './sessions/logon.js';
import { sessionKey, type SnapshotStore } from './sessions/snapshots.js';
import type { RequestRecord } from './telemetry/record.js';

/** Everything a resolver may use, for one request only. */
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
  readonly session: SessionApi;
  /** The request's DataLoaders, made on first use. */
  readonly loaders: Loaders;
  /** Warnings for the response's `extensions.warnings`. */
  warnings: Warning[];
  /** The snapshot reads this request made (accountID and version), for the rendered-answer cache. */
  readonly snapshotReads: SnapshotReadMark[];
  /** The key of the caller's session (the SHA-256 of its token); null without a token. */
  sessionId(): string | null;
  /** A change this session made through the gateway (write-through to its snapshots). */
  wroteEvent(event: PvwaEvent): void;
  /** The session's live changes that `matches` keeps (subscriptions over WebSocket only). */
  subscribeToChanges(matches: (entry: SortedEvent) => boolean): AsyncIterableIterator<LiveChange>;
}

const BEARER = /^bearer(?:\s+|$)/i;

/**
 * The caller's PVWA token from the Authorization header: the raw value, or the value after
 * `Bearer `. A token still wrapped in the JSON quotes of the Logon answer is unwrapped, as the
 * PVWA would refuse it. Null when there is none.
 */
export function tokenFrom(authorization: string | undefined): string | null {
  if (!authorization) return null;
  let token = authorization.trim().replace(BEARER, '');
  if (token.length >= 2 && token.startsWith('"') && token.endsWith('"')) token = token.slice(1, -1);
  return token === '' ? null : token;
}

/**
 * A class, not an object literal, for Apollo Server's sake: it clones the context of every
 * request with `Object.assign(Object.create(prototype), context)`, which would run an own getter
 * (and build the loaders of every mutation); a getter on the prototype is only run when used.
 */
class RequestContext implements GraphContext {
  readonly warnings: Warning[] = [];
  readonly snapshotReads: SnapshotReadMark[] = [];
  private api: PvwaApi | undefined;
  private lazyLoaders: Loaders | undefined;
  private lazySession: string | undefined;

  readonly logger: Logger;
  private readonly token: string | null;

  constructor(
    readonly record: RequestRecord,
    private readonly deps: ContextDeps,
    private readonly credentials: Credentials,
    private readonly responseCookies: string[],
    private readonly live: LiveContext | null,
  ) {
    this.logger = deps.logger;
    this.token = credentials.token;
  }

  pvwa(): PvwaApi {
    // A stale cookie (and no Authorization) is refused here, before any PVWA call.
    if (this.token === null) throw unauthenticated(this.credentials.stale ? 'invalid' : 'none');
    return (this.api ??= this.deps.client.bind({ token: this.token, requestId: this.record.requestId, observer: this.observer() }));
  }

  get session(): SessionApi {
    return this.deps.sessions.bind({
      caller: { requestId: this.record.requestId, observer: this.record },
      credentials: this.credentials,
      responseCookies: this.responseCookies,
      pvwa: () => this.pvwa(),
    });
  }

  get loaders(): Loaders {
    return (this.lazyLoaders ??= createLoaders(this.eventSource(), this.warnings, this.record, this.logger));
  }

  wroteEvent(event: PvwaEvent): void {
    if (this.token !== null) this.deps.store.writeThrough(this.sessionKey(), event);
  }

  subscribeToChanges(matches: (entry: SortedEvent) => boolean): AsyncIterableIterator<LiveChange> {
    if (this.token === null) throw unauthenticated(this.credentials.stale ? 'invalid' : 'none');
    if (!this.live) throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql.', { extensions: { code: 'BAD_REQUEST' } });
    return this.live.hub.subscribe(this.sessionKey(), this.token, matches, this.live.sessionEnded);
  }

  sessionId(): string | null {
    return this.token === null ? null : this.sessionKey();
  }

  /** The session's key for the snapshots: the SHA-256 of the token, computed once, when needed. */
  private sessionKey(): string {
    return (this.lazySession ??= sessionKey(this.token as string));
  }

  /**
   * Each upstream call goes to the request record; a 401 or 403 also drops the session's
   * snapshots, before the error reaches the resolver: nothing is kept for a refused token.
   */
  private observer(): PvwaCallObserver {
    const { record } = this;
    const { store } = this.deps;
    return {
      upstreamCall: (call) => {
        record.upstreamCall(call);
        if (call.status === 401 || call.status === 403) store.dropSession(this.sessionKey());
      },
    };
  }

  private eventSource(): EventSource {
    const { store } = this.deps;
    if (this.deps.snapshotReads) {
      return {
        // One snapshot per accountID serves every other filter.
        key: (query) => query.accountID ?? '',
        read: async (query) => {
          const api = this.pvwa();
          const read = await store.read(this.sessionKey(), query.accountID, this.record.arrivedAt, (upstream) => api.getEvents(upstream));
          this.snapshotReads.push({ accountId: query.accountID, version: read.version });
          return read;
        },
      };
    }
    return {
      key: (query) => `${query.fromUpdateDate ?? ''}|${query.status ?? ''}|${query.accountID ?? ''}`,
      read: async (query) => {
        const { events, skipped } = partitionEvents((await this.pvwa().getEvents(query)).items);
        return { events: sortEvents(events), skipped, kind: 'full' };
      },
    };
  }
}

/** What a WebSocket operation has besides an HTTP one: the live-events hub and its socket. */
export interface LiveContext {
  hub: LiveHub;
  /** Closes the subscription's socket when its session ends (4401 / 4403). */
  sessionEnded: SessionEnded;
}

/** What every request's context is made from, besides the request's own credentials and record. */
export interface ContextDeps {
  client: PvwaClient;
  logger: Logger;
  /** Logon, logoff and session cookies. */
  sessions: Sessions;
  /** The per-session snapshots (reads when on, write-through and live events always). */
  store: SnapshotStore;
  snapshotReads: boolean;
}

/** The request's token: from Authorization when present, else from a valid session cookie. */
export function credentialsFrom(sessions: Sessions, authorization: string | undefined, cookie: string | undefined): Credentials {
  const token = tokenFrom(authorization);
  if (token !== null) return { token, stale: false, fromCookie: false };
  const fromCookie = sessions.fromCookie(cookie);
  return { ...fromCookie, fromCookie: fromCookie.token !== null };
}

/** A snapshot read a request made, for the rendered-answer cache. */
export interface SnapshotReadMark {
  accountId: string | undefined;
  version: number;
}

/** `responseCookies` collects the Set-Cookie values of the answer (HTTP only). */
export function createContext(
  deps: ContextDeps, credentials: Credentials, record: RequestRecord,
  options: { responseCookies?: string[]; live?: LiveContext } = {},
): GraphContext {
  return new RequestContext(record, deps, credentials, options.responseCookies ?? [], options.live ?? null);
}
