import type { Logger } from 'pino';
import { unauthenticated } from './errors.js';
import { createLoaders, type EventSource, type Loaders, type Warning } from './graph/loaders.js';
import { sortEvents } from './graph/page.js';
import type { PvwaApi, PvwaCallObserver, PvwaClient } from './pvwa/client.js';
import type { PvwaEvent } from './pvwa/types.js';
import { partitionEvents } from './pvwa/validate.js';
import { sessionKey, type SnapshotStore } from './sessions/snapshots.js';
import type { RequestRecord } from './telemetry/record.js';

/** Everything a resolver may use, for one request only. */
export interface GraphContext {
  /** The request's id and what its log line will say. */
  record: RequestRecord;
  logger: Logger;
  /** The PVWA client bound to the caller's token; throws UNAUTHENTICATED when there is none. */
  pvwa(): PvwaApi;
  /** The request's DataLoaders, made on first use. */
  readonly loaders: Loaders;
  /** Warnings for the response's `extensions.warnings`. */
  warnings: Warning[];
  /** A change this session made through the gateway (write-through to its snapshots). */
  wroteEvent(event: PvwaEvent): void;
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
  private api: PvwaApi | undefined;
  private lazyLoaders: Loaders | undefined;
  private lazySession: string | undefined;

  constructor(
    readonly record: RequestRecord,
    readonly logger: Logger,
    private readonly client: PvwaClient,
    private readonly token: string | null,
    private readonly snapshots: SnapshotStore | null,
  ) {}

  pvwa(): PvwaApi {
    if (this.token === null) throw unauthenticated();
    return (this.api ??= this.client.bind({ token: this.token, requestId: this.record.requestId, observer: this.observer() }));
  }

  get loaders(): Loaders {
    return (this.lazyLoaders ??= createLoaders(this.eventSource(), this.warnings, this.record, this.logger));
  }

  wroteEvent(event: PvwaEvent): void {
    if (this.snapshots && this.token !== null) this.snapshots.writeThrough(this.session(), event);
  }

  /** The session's key for the snapshots: the SHA-256 of the token, computed once, when needed. */
  private session(): string {
    return (this.lazySession ??= sessionKey(this.token as string));
  }

  /**
   * Each upstream call goes to the request record; a 401 or 403 also drops the session's
   * snapshots, before the error reaches the resolver: nothing is kept for a refused token.
   */
  private observer(): PvwaCallObserver {
    const { record, snapshots } = this;
    if (!snapshots) return record;
    return {
      upstreamCall: (call) => {
        record.upstreamCall(call);
        if (call.status === 401 || call.status === 403) snapshots.dropSession(this.session());
      },
    };
  }

  private eventSource(): EventSource {
    const store = this.snapshots;
    if (store) {
      return {
        // One snapshot per accountID serves every other filter.
        key: (query) => query.accountID ?? '',
        read: (query) => {
          const api = this.pvwa();
          return store.read(this.session(), query.accountID, this.record.arrivedAt, (upstream) => api.getEvents(upstream));
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

export function createContext(options: {
  authorization: string | undefined;
  record: RequestRecord;
  client: PvwaClient;
  logger: Logger;
  snapshots: SnapshotStore | null;
}): GraphContext {
  return new RequestContext(options.record, options.logger, options.client, tokenFrom(options.authorization), options.snapshots);
}
