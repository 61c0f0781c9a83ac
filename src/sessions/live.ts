import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, viewOfError, type ErrorView } from '../errors.js';
import type { SortedEvent } from '../graph/page.js';
import type { PvwaClient } from '../pvwa/client.js';
import { PvwaError } from '../pvwa/errors.js';
import type { PvwaEvent } from '../pvwa/types.js';
import type { Telemetry } from '../telemetry/record.js';
import type { SnapshotChange, SnapshotStore } from './snapshots.js';

/**
 * Live events: one poller per session, however many sockets and subscriptions it has, reading
 * the session's snapshot deltas every `intervalMs` with the session's own token, and pushing each
 * change to the session's subscriptions whose filter matches it.
 *
 * Why nothing of one session reaches another: pollers, change listeners and subscriptions are all
 * keyed by the session key (the SHA-256 of the token); a change is only ever handed to the
 * subscriptions registered under the key of the session whose GET (or write) produced it.
 */

/** What a subscription receives (the SecurityEventChange type's parent). */
export interface LiveChange {
  kind: 'CREATED' | 'UPDATED';
  event: PvwaEvent;
}

export interface LiveOptions {
  intervalMs: number;
  /** Transient failures in a row after which the session's subscriptions end with that error. */
  maxFailedPolls: number;
  /** Changes a subscription may have waiting for its client; past it the subscription ends. */
  maxQueued: number;
  /** Told of each change pushed to a subscription (metrics). */
  onPushed?: () => void;
}

/** How a subscription's socket is told that its session ended (4401 / 4403). */
export type SessionEnded = (code: number, reason: string) => void;

/**
 * One subscription's stream: a bounded queue the poller pushes into and graphql-ws reads from.
 * Hand-written (about forty lines) because it must be bounded, end with a GraphQL error that
 * carries a code, and unregister itself when the client stops it; a topic-based PubSub
 * (graphql-subscriptions) or events.on() does none of the three.
 */
class ChangeStream implements AsyncIterableIterator<LiveChange> {
  private readonly queue: LiveChange[] = [];
  private waiting: { resolve: (result: IteratorResult<LiveChange>) => void; reject: (error: Error) => void } | null = null;
  private ending: Error | null = null;
  private done = false;

  constructor(
    readonly matches: (entry: SortedEvent) => boolean,
    readonly sessionEnded: SessionEnded,
    private readonly maxQueued: number,
    private readonly onDone: (stream: ChangeStream) => void,
  ) {}

  push(change: LiveChange): void {
    if (this.done || this.ending) return;
    if (this.waiting) {
      this.waiting.resolve({ value: change, done: false });
      this.waiting = null;
    } else if (this.queue.length < this.maxQueued) {
      this.queue.push(change);
    } else {
      this.fail(new GraphQLError(`More than ${this.maxQueued} changes were waiting for this subscription: it ended. Subscribe again.`, { extensions: { code: ErrorCode.SLOW_CONSUMER } }));
    }
  }

  /** Ends the stream with an error, after what is already queued. */
  fail(error: Error): void {
    if (this.done || this.ending) return;
    this.ending = error;
    if (this.waiting && this.queue.length === 0) {
      this.waiting.reject(error);
      this.waiting = null;
      this.finish();
    }
  }

  next(): Promise<IteratorResult<LiveChange>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.ending) {
      const error = this.ending;
      this.finish();
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<LiveChange>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = null;
    this.onDone(this);
  }
}

interface Watched {
  token: string;
  streams: Set<ChangeStream>;
  timer: NodeJS.Timeout;
  failures: number;
  polling: boolean;
}

export class LiveHub {
  private readonly sessions = new Map<string, Watched>();
  private polls = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly client: PvwaClient,
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
    private readonly options: LiveOptions,
  ) {}

  /** Subscriptions open now, and sessions polled. */
  get stats(): { subscriptions: number; sessions: number } {
    let subscriptions = 0;
    for (const watched of this.sessions.values()) subscriptions += watched.streams.size;
    return { subscriptions, sessions: this.sessions.size };
  }

  /** A new subscription of `session` (whose token is `token`) to the changes `matches` keeps. */
  subscribe(session: string, token: string, matches: (entry: SortedEvent) => boolean, sessionEnded: SessionEnded): AsyncIterableIterator<LiveChange> {
    let watched = this.sessions.get(session);
    if (!watched) {
      const timer = setInterval(() => void this.poll(session), this.options.intervalMs);
      timer.unref();
      watched = { token, streams: new Set(), timer, failures: 0, polling: false };
      this.sessions.set(session, watched);
      this.store.watch(session, (changes) => this.fanOut(session, changes));
    }
    const stream = new ChangeStream(matches, sessionEnded, this.options.maxQueued, (done) => this.remove(session, done));
    watched.streams.add(stream);
    return stream;
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    for (const [session, watched] of this.sessions) {
      for (const stream of watched.streams) void stream.return();
      this.stop(session);
    }
  }

  private fanOut(session: string, changes: SnapshotChange[]): void {
    const watched = this.sessions.get(session);
    if (!watched) return;
    for (const { kind, entry } of changes) {
      for (const stream of watched.streams) {
        if (!stream.matches(entry)) continue;
        stream.push({ kind, event: entry.event });
        this.options.onPushed?.();
      }
    }
  }

  private remove(session: string, stream: ChangeStream): void {
    const watched = this.sessions.get(session);
    if (!watched) return;
    watched.streams.delete(stream);
    if (watched.streams.size === 0) this.stop(session);
  }

  /** The poller stops when the session's last subscription ends. */
  private stop(session: string): void {
    const watched = this.sessions.get(session);
    if (!watched) return;
    clearInterval(watched.timer);
    this.sessions.delete(session);
    this.store.unwatch(session);
  }

  /**
   * One read of a session's whole list outside any client request (the WebSocket connect check, a
   * poll): with the session's own token, started now. A 401 or 403 drops the session's
   * snapshots, as it does for a request.
   */
  async readSession(session: string, token: string, requestId: string): Promise<void> {
    const api = this.client.bind({ token, requestId, observer: { upstreamCall: (call) => this.telemetry.upstreamCall(call, requestId) } });
    try {
      await this.store.read(session, undefined, performance.now(), (query) => api.getEvents(query));
    } catch (error) {
      const status = error instanceof PvwaError ? error.details.status : undefined;
      if (status === 401 || status === 403) this.store.dropSession(session);
      throw error;
    }
  }

  private async poll(session: string): Promise<void> {
    const watched = this.sessions.get(session);
    if (!watched || watched.polling) return;
    watched.polling = true;
    try {
      await this.readSession(session, watched.token, `live-${++this.polls}`);
      watched.failures = 0;
    } catch (error) {
      const status = error instanceof PvwaError ? error.details.status : undefined;
      const view = viewOfError(error);
      if (status === 401 || status === 403) {
        // The session is over (readSession dropped what was kept): its subscriptions and sockets end.
        this.end(session, view, status === 401 ? 4401 : 4403);
      } else if (++watched.failures >= this.options.maxFailedPolls) {
        this.logger.warn({ code: view.code, failures: watched.failures }, 'live events: the PVWA failed too often; ending the session\'s subscriptions');
        this.end(session, view, null);
      }
    } finally {
      watched.polling = false;
    }
  }

  private end(session: string, view: ErrorView, closeCode: number | null): void {
    const { message, ...extensions } = view;
    const watched = this.sessions.get(session);
    if (!watched) return;
    const streams = [...watched.streams];
    this.stop(session);
    for (const stream of streams) {
      stream.fail(new GraphQLError(message, { extensions }));
      if (closeCode !== null) stream.sessionEnded(closeCode, view.code === ErrorCode.FORBIDDEN ? 'Forbidden: the PVWA refused this session' : 'Unauthorized: the PVWA no longer accepts this session token');
    }
  }
}
