import type { PvwaEvent, PvwaEventQuery } from '../pvwa/types.js';
import { boundEvent, partitionEvents } from '../pvwa/validate.js';
import type { ReadKind } from '../telemetry/metrics.js';
import type { Span, Tracing } from '../tracing/tracing.js';
import { sortable } from './order.js';
import { tracedRead } from './read-span.js';
import { MAX_RENDERED_BYTES, Snapshot, snapshotKey, type RenderedAnswer, type SnapshotRead } from './snapshot.js';
import type { EventChange, FetchEvents, SortedEvent } from './types.js';

/**
 * Per-session event snapshots: after a session's first read, its reads move only what changed.
 *
 * The PVWA cannot page, so every read used to download the caller's whole list. A snapshot holds
 * the events a session last received and a watermark (the highest lastUpdateTime seen, in the
 * PVWA's clock); the next read asks only for `fromUpdateDate = watermark - overlap` and merges the
 * answer by id. Filters are applied by the gateway over the snapshot, so one snapshot serves them
 * all.
 *
 * Why this cannot leak across sessions, or serve what the PVWA would refuse:
 * - A snapshot is keyed by the SHA-256 of the caller's token (never the raw token) and the
 *   upstream accountID; a read only ever looks up its own token's key. Two tokens of one user are
 *   two sessions.
 * - Every read still makes one upstream GET with the caller's own token, started after the read
 *   arrived (single flight per session only), so the PVWA authorises every read; a 401 or 403
 *   drops the session's snapshots before the error is returned.
 * - Staleness is bounded: a full refresh (no fromUpdateDate; events gone upstream go here too)
 *   runs once the snapshot is older than `maxAgeMs`.
 * - Memory is bounded: snapshots unused for `maxAgeMs` are dropped, and all of them together
 *   are kept under `maxBytes` (JSON bytes received), least recently used sessions out first.
 */

export interface SnapshotOptions {
  /** Age after which a read makes a full refresh; also how long an unused snapshot is kept. */
  maxAgeMs: number;
  /** Subtracted from the watermark in a delta, for events written late with an earlier time. */
  overlapMs: number;
  /** Bound on all snapshots together, in JSON bytes received. */
  maxBytes: number;
  /**
   * The wall clock the ages are measured with (epoch ms; Date.now by default). Injected so a test
   * can move time past the max age instead of waiting for it.
   */
  now?: () => number;
  /** Tracing, when on: a span per read, with how it was served. */
  tracing?: Tracing;
}


/** Told of each upstream read, for metrics. */
export interface SnapshotObserver {
  read(kind: ReadKind, bytes: number): void;
}

/** Told of a session's changes (the live-events poller); only sessions with one are diffed. */
export type ChangeListener = (changes: EventChange[]) => void;


export class SnapshotStore {
  /** By session and accountID; Map order is use order (least recently used first). */
  private readonly snapshots = new Map<string, Snapshot>();
  private totalBytes = 0;
  /** Orders upstream GETs and local writes, so a GET older than a write cannot undo it. */
  private sequence = 0;
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  /**
   * One watcher per watched session, by session key: what it is told is that session's only. Its
   * baseline (what the session was last told of each event) outlives the snapshot, so a snapshot
   * dropped and made again (budget, 403) neither loses nor repeats a change.
   */
  private readonly watchers = new Map<string, { listener: ChangeListener; seen: Map<string, { time: number; status: string }> | null }>();

  constructor(
    private readonly options: SnapshotOptions,
    private readonly observer: SnapshotObserver = { read: () => {} },
  ) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, options.maxAgeMs));
    this.sweeper.unref();
  }

  /** How many snapshots are held, and their size in JSON bytes received. */
  get stats(): { snapshots: number; bytes: number } {
    return { snapshots: this.snapshots.size, bytes: this.totalBytes };
  }

  /**
   * The session's events, from an upstream GET that started after the read arrived (`arrivedAt`,
   * performance.now() when its request came in): the freshness rule. A GET of the same snapshot
   * in flight is shared when it started after that; else the read waits for the next GET, which
   * every read in the same case shares (single flight: one GET per snapshot at a time). Traced,
   * the read is a span under `parent`, and its own GET (when it makes one) under the read's.
   */
  read(session: string, accountId: string | undefined, arrivedAt: number, fetch: FetchEvents, parent?: Span): Promise<SnapshotRead> {
    const { tracing } = this.options;
    if (tracing === undefined) return this.readSnapshot(session, accountId, arrivedAt, fetch);
    return tracedRead(tracing, parent, fetch, (traced) => this.readSnapshot(session, accountId, arrivedAt, traced));
  }

  private readSnapshot(session: string, accountId: string | undefined, arrivedAt: number, fetch: FetchEvents): Promise<SnapshotRead> {
    const key = snapshotKey(session, accountId);
    let snapshot = this.snapshots.get(key);
    if (snapshot) this.snapshots.delete(key);
    else snapshot = new Snapshot(session, accountId);
    this.snapshots.set(key, snapshot);
    snapshot.lastUsed = this.now();
    const held = snapshot;
    if (!held.running) return this.start(key, held, fetch);
    if (held.runningSince >= arrivedAt) return held.running;
    return (held.next ??= held.running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      held.next = null;
      return this.start(key, held, fetch);
    }));
  }

  /** A successful change made through the gateway, shown by the session's next reads at once. */
  writeThrough(session: string, event: PvwaEvent): void {
    const sequence = ++this.sequence;
    // Made only when something holds or watches the session's events (a console that has read
    // nothing closes for nothing here).
    let made: SortedEvent | undefined;
    const entryOf = () => (made ??= sortable(boundEvent(event)));
    // The session changed it itself: pushed even when the PVWA did not move lastUpdateTime.
    const watcher = this.watchers.get(session);
    if (watcher) {
      const entry = entryOf();
      watcher.seen?.set(event.id, { time: entry.time, status: entry.status });
      watcher.listener([{ kind: 'UPDATED', entry }]);
    }
    for (const snapshot of this.snapshots.values()) {
      if (snapshot.session !== session) continue;
      const old = snapshot.held.get(event.id);
      // A snapshot for one account only takes events it already holds; the whole list takes all.
      if (!old && snapshot.accountId !== undefined) continue;
      this.resize(snapshot, () => snapshot.put(event.id, { entry: entryOf(), bytes: old?.bytes ?? snapshot.averageBytes() }, true));
      snapshot.unskip(event.id);
      snapshot.localWrites.set(event.id, sequence);
    }
  }

  /** The answer rendered for `request` from the session's snapshot of `accountId`, if one is kept. */
  rendered(session: string, accountId: string | undefined, request: string): RenderedAnswer | undefined {
    return this.snapshots.get(snapshotKey(session, accountId))?.rendered.get(request);
  }

  /**
   * Keeps an answer rendered from the session's snapshot of `accountId` at `answer.version`,
   * when that is still the snapshot's version (and the answer is not too large).
   */
  remember(session: string, accountId: string | undefined, request: string, answer: RenderedAnswer): void {
    const key = snapshotKey(session, accountId);
    const snapshot = this.snapshots.get(key);
    if (!snapshot || snapshot.version !== answer.version || answer.body.length > MAX_RENDERED_BYTES) return;
    this.totalBytes += snapshot.remember(request, answer);
    this.enforceBudget();
  }

  /**
   * Keeps the body of an answer kept for `request` compressed with `encoding`, beside it, counted
   * in the budget; nothing when the answer is no longer kept.
   */
  rememberEncoded(session: string, accountId: string | undefined, request: string, answer: RenderedAnswer, encoding: string, bytes: Buffer): void {
    const snapshot = this.snapshots.get(snapshotKey(session, accountId));
    if (!snapshot) return;
    const delta = snapshot.rememberEncoded(request, answer, encoding, bytes);
    if (delta === 0) return;
    this.totalBytes += delta;
    this.enforceBudget();
  }

  /**
   * The average JSON bytes of an event in the session's snapshot of its whole list; 0 without one.
   * What an answer that passes its events through (`raw`) can be expected to weigh.
   */
  eventBytes(session: string): number {
    return this.snapshots.get(snapshotKey(session, undefined))?.averageBytes() ?? 0;
  }

  /** Tells `listener` of the session's changes from now on (replacing any earlier one). */
  watch(session: string, listener: ChangeListener): void {
    const held = this.snapshots.get(snapshotKey(session, undefined))?.held;
    const seen = held ? new Map(Array.from(held, ([id, { entry }]) => [id, { time: entry.time, status: entry.status }])) : null;
    this.watchers.set(session, { listener, seen });
  }

  unwatch(session: string): void {
    this.watchers.delete(session);
  }

  /** Drops every snapshot of a session (logoff, or the PVWA refused its token). */
  dropSession(session: string): void {
    for (const [key, snapshot] of this.snapshots) {
      if (snapshot.session === session) this.drop(key, snapshot);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.snapshots.clear();
    this.totalBytes = 0;
  }

  private start(key: string, snapshot: Snapshot, fetch: FetchEvents): Promise<SnapshotRead> {
    snapshot.runningSince = performance.now();
    const running = this.refresh(key, snapshot, fetch);
    snapshot.running = running;
    const done = () => {
      if (snapshot.running === running) snapshot.running = null;
    };
    running.then(done, done);
    return running;
  }

  private async refresh(key: string, snapshot: Snapshot, fetch: FetchEvents): Promise<SnapshotRead> {
    const startedAt = this.now();
    const sequence = ++this.sequence;
    const full = snapshot.refreshedAt === 0 || startedAt - snapshot.refreshedAt >= this.options.maxAgeMs;
    const from = full ? undefined : Math.max(0, Math.floor(snapshot.watermark - this.options.overlapMs));
    const query: PvwaEventQuery = {};
    if (from !== undefined) query.fromUpdateDate = from;
    if (snapshot.accountId !== undefined) query.accountID = snapshot.accountId;
    // A 401 or 403 drops the session (the PVWA client reports the refusal as the call fails), so
    // nothing is kept for it.
    const list = await fetch(query);
    const { events, skipped } = partitionEvents(list.items);
    // Cut to a bounded depth as they enter: comparing a re-sent event with the held one never
    // recurses without bound (an event nested thousands of levels deep overflowed the stack).
    const entries = events.map((event) => sortable(boundEvent(event)));
    // A PVWA older than 11.3 ignores fromUpdateDate and sends its whole list: then it is one.
    const kind: ReadKind = full || entries.some((entry) => entry.time < (from as number)) ? 'full' : 'delta';
    this.observer.read(kind, list.bytes);
    const bytes = list.items.length > 0 ? list.bytes / list.items.length : 0;
    this.resize(snapshot, () => {
      if (kind === 'full') {
        snapshot.clear();
        snapshot.refreshedAt = startedAt;
        for (const [id, written] of snapshot.localWrites) if (written < sequence) snapshot.localWrites.delete(id);
      }
      for (const entry of entries) {
        const id = entry.event.id;
        snapshot.unskip(id);
        if (entry.time > snapshot.watermark) snapshot.watermark = entry.time;
        // This session changed the event after this GET started: the GET's copy is older.
        if ((snapshot.localWrites.get(id) ?? 0) > sequence && snapshot.held.has(id)) continue;
        snapshot.put(id, { entry, bytes });
      }
      for (const item of skipped) {
        snapshot.skip(item.eventId ?? `#${item.problem}`, item);
        if (item.eventId !== undefined) snapshot.remove(item.eventId);
      }
    });
    // Only the whole-list snapshot of a watched session is diffed (the others would repeat it).
    const watcher = snapshot.accountId === undefined ? this.watchers.get(snapshot.session) : undefined;
    if (watcher) {
      const changes = diff(watcher, snapshot, entries);
      if (changes.length > 0) watcher.listener(changes);
    }
    const answer = snapshot.view(kind);
    if (this.snapshots.get(key) === snapshot) this.enforceBudget();
    return answer;
  }

  /** Runs a change of one snapshot and keeps the total size in step with it. */
  private resize(snapshot: Snapshot, change: () => void): void {
    const before = snapshot.bytes;
    change();
    // Only a snapshot the store still holds counts: one dropped while its GET ran is not (another
    // may hold its key by now).
    if (this.snapshots.get(snapshot.key) === snapshot) this.totalBytes += snapshot.bytes - before;
  }

  private drop(key: string, snapshot: Snapshot): void {
    if (this.snapshots.get(key) !== snapshot) return;
    this.snapshots.delete(key);
    this.totalBytes -= snapshot.bytes;
  }

  /** Least recently used snapshots out first, until all fit in the budget. */
  private enforceBudget(): void {
    for (const [key, snapshot] of this.snapshots) {
      if (this.totalBytes <= this.options.maxBytes) return;
      this.drop(key, snapshot);
    }
  }

  /** Snapshots unused for the max age are dropped: their next read would be a full one anyway. */
  private sweep(): void {
    const limit = this.now() - this.options.maxAgeMs;
    for (const [key, snapshot] of this.snapshots) {
      if (snapshot.lastUsed < limit && !snapshot.running) this.drop(key, snapshot);
    }
  }
}

/**
 * What a GET's events changed against what the watcher was last told; the first read without a
 * baseline only sets it (those events are not news to a new subscription).
 */
function diff(watcher: { seen: Map<string, { time: number; status: string }> | null }, snapshot: Snapshot, entries: SortedEvent[]): EventChange[] {
  const first = watcher.seen === null;
  const seen = (watcher.seen ??= new Map());
  const changes: EventChange[] = [];
  for (const { event } of entries) {
    // As the snapshot holds it now: left out when not mappable, this session's own newer write kept.
    const entry = snapshot.held.get(event.id)?.entry;
    if (!entry) continue;
    const old = seen.get(event.id);
    if (old && old.time === entry.time && old.status === entry.status) continue;
    seen.set(event.id, { time: entry.time, status: entry.status });
    if (!first) changes.push({ kind: old ? 'UPDATED' : 'CREATED', entry });
  }
  return changes;
}
