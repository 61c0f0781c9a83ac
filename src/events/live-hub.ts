import type { Logger } from 'pino';
import { viewOfError, type ErrorView } from '../errors.js';
import type { PvwaPort } from '../pvwa/client.js';
import { tokenRefusal, type TokenRefusal } from '../pvwa/errors.js';
import type { Telemetry } from '../telemetry/record.js';
import { ATTR_LIVE_SUBSCRIPTIONS } from '../tracing/semconv.js';
import type { Span } from '../tracing/tracing.js';
import { ChangeStream, StreamEnded, type SessionRefused } from './change-stream.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { EventChange, SortedEvent } from './types.js';

/**
 * Live events: one watch per PVWA session, however many sockets and subscriptions it has. A watch
 * reads the session's snapshot deltas every `intervalMs` with the session's own token, and pushes
 * each change to the session's subscriptions whose filter matches it.
 *
 * Why nothing of one session reaches another: watches, change listeners and subscriptions are all
 * keyed by the session key (the SHA-256 of the token); a change is only ever handed to the
 * subscriptions registered under the key of the session whose GET (or write) produced it.
 */

export interface LiveOptions {
  intervalMs: number;
  /** Transient failures in a row after which the session's subscriptions end with that error. */
  maxFailedPolls: number;
  /** Changes a subscription may have waiting for its client; past it the subscription ends. */
  maxQueued: number;
  /** Told of each change pushed to a subscription (metrics). */
  onPushed?: () => void;
}

/** One PVWA session's watch: its poll timer and its subscriptions' streams. */
interface Watch {
  token: string;
  streams: Set<ChangeStream>;
  timer: NodeJS.Timeout;
  failures: number;
  polling: boolean;
}

export class LiveHub {
  /** By session key. */
  private readonly watches = new Map<string, Watch>();
  private polls = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly pvwa: Pick<PvwaPort, 'bind'>,
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
    private readonly options: LiveOptions,
  ) {}

  /** Subscriptions open now, and sessions watched. */
  get stats(): { subscriptions: number; sessions: number } {
    let subscriptions = 0;
    for (const watch of this.watches.values()) subscriptions += watch.streams.size;
    return { subscriptions, sessions: this.watches.size };
  }

  /**
   * A new subscription of the session `session` (whose token is `token`) to the changes `matches`
   * keeps; `span` is the subscription's, which the session's polls link to (tracing on).
   */
  subscribe(session: string, token: string, matches: (entry: SortedEvent) => boolean, sessionRefused: SessionRefused, span?: Span): AsyncIterableIterator<EventChange> {
    let watch = this.watches.get(session);
    if (!watch) {
      const timer = setInterval(() => void this.poll(session), this.options.intervalMs);
      timer.unref();
      watch = { token, streams: new Set(), timer, failures: 0, polling: false };
      this.watches.set(session, watch);
      this.store.watch(session, (changes) => this.fanOut(session, changes));
    }
    const stream = new ChangeStream(matches, sessionRefused, this.options.maxQueued, (done) => this.remove(session, done), span);
    watch.streams.add(stream);
    return stream;
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    for (const [session, watch] of this.watches) {
      for (const stream of watch.streams) void stream.return();
      this.stop(session);
    }
  }

  /**
   * One read of a session's whole list outside any client request (the WebSocket connect check, a
   * poll): with the session's own token, started now. A refused token drops the session's
   * snapshots on the way (the PVWA client reports it), as for a request. Its spans go under `span`.
   */
  async readSession(session: string, token: string, requestId: string, span?: Span): Promise<void> {
    const api = this.pvwa.bind({ token, requestId, observer: { upstreamCall: (call) => this.telemetry.upstreamCall(call, requestId) } });
    await this.store.read(session, undefined, performance.now(), (query, parent) => api.getEvents(query, parent), span);
  }

  private fanOut(session: string, changes: EventChange[]): void {
    const watch = this.watches.get(session);
    if (!watch) return;
    for (const change of changes) {
      for (const stream of watch.streams) {
        if (!stream.matches(change.entry)) continue;
        stream.push(change);
        this.options.onPushed?.();
      }
    }
  }

  private remove(session: string, stream: ChangeStream): void {
    const watch = this.watches.get(session);
    if (!watch) return;
    watch.streams.delete(stream);
    if (watch.streams.size === 0) this.stop(session);
  }

  /** The watch stops when the session's last subscription ends. */
  private stop(session: string): void {
    const watch = this.watches.get(session);
    if (!watch) return;
    clearInterval(watch.timer);
    this.watches.delete(session);
    this.store.unwatch(session);
  }

  /**
   * One poll of a session. Traced, each poll is a trace of its own (a subscription lives for hours,
   * and one poll serves all of its session's), linked to the spans of the subscriptions it serves.
   */
  private async poll(session: string): Promise<void> {
    const watch = this.watches.get(session);
    if (!watch || watch.polling) return;
    watch.polling = true;
    const { tracing } = this.telemetry;
    const span = tracing?.start('live poll', undefined, { links: subscriptionSpans(watch.streams), attributes: { [ATTR_LIVE_SUBSCRIPTIONS]: watch.streams.size } });
    try {
      await this.readSession(session, watch.token, `live-${++this.polls}`, span);
      watch.failures = 0;
      span?.end();
    } catch (error) {
      const refusal = tokenRefusal(error);
      const view = viewOfError(error);
      this.telemetry.endSpan(span, view.code);
      if (refusal !== null) {
        // The session is over (its snapshots are gone): its subscriptions and sockets end.
        this.end(session, view, refusal);
      } else if (++watch.failures >= this.options.maxFailedPolls) {
        this.logger.warn({ code: view.code, failures: watch.failures }, 'live events: the PVWA failed too often; ending the session\'s subscriptions');
        this.end(session, view, null);
      }
    } finally {
      watch.polling = false;
    }
  }

  private end(session: string, view: ErrorView, refusal: TokenRefusal | null): void {
    const watch = this.watches.get(session);
    if (!watch) return;
    const streams = [...watch.streams];
    this.stop(session);
    for (const stream of streams) {
      stream.fail(new StreamEnded(view));
      if (refusal !== null) stream.sessionRefused(refusal);
    }
  }
}

/** The spans of a watch's subscriptions, for its polls' links. */
function subscriptionSpans(streams: Iterable<ChangeStream>): Span[] {
  const spans: Span[] = [];
  for (const stream of streams) if (stream.span !== undefined) spans.push(stream.span);
  return spans;
}
