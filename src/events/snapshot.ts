import { isDeepStrictEqual } from 'node:util';
import type { SkippedEvent } from '../pvwa/validate.js';
import type { ReadKind } from '../telemetry/metrics.js';
import { compareEvents } from './order.js';
import type { EventRead, SortedEvent } from './types.js';

/**
 * One snapshot: the events one PVWA session last received for one upstream accountID (or for
 * its whole list), in page order, with what the store needs to keep it in step with the PVWA.
 * The store (snapshot-store.ts) decides when it is read, refreshed and dropped.
 */

/** The key of a session's snapshot of `accountId` (undefined: its whole list). */
export function snapshotKey(session: string, accountId: string | undefined): string {
  return `${session}\n${accountId ?? ''}`;
}

/** A snapshot's read: an EventRead with its version. */
export interface SnapshotRead extends EventRead {
  version: number;
}

/**
 * A GraphQL answer rendered from one snapshot at one version: while the snapshot stays at that
 * version, the same request of the same session gets the same bytes. Kept in the snapshot, so it
 * is the session's alone, counted in its size and dropped with it.
 */
export interface RenderedAnswer {
  version: number;
  /** As bytes: written as they are, with no conversion per request. */
  body: Buffer;
  headers: Array<[string, string]>;
  operationName: string | null;
  operationType: string | null;
}

/** Most answers kept per snapshot, and the largest one kept. */
const MAX_RENDERED = 16;
export const MAX_RENDERED_BYTES = 1024 * 1024;

/**
 * Versions come from one counter for all snapshots: a snapshot made again for the same session
 * never reaches a version an answer of its predecessor was rendered from.
 */
let versions = 0;

/** A held event and its share of the JSON bytes of the answer it came in. */
export interface HeldEvent {
  entry: SortedEvent;
  bytes: number;
}

export class Snapshot {
  readonly held = new Map<string, HeldEvent>();
  /** Items left out (not mappable), by id (or by problem when they have none). */
  skipped = new Map<string, SkippedEvent>();
  watermark = Number.NEGATIVE_INFINITY;
  /** The clock's time when the last full refresh started; 0 before the first. */
  refreshedAt = 0;
  lastUsed = 0;
  bytes = 0;
  /** The held events in page order; rebuilt only after a change. */
  private sorted: SortedEvent[] | null = null;
  /** Whether `sorted` went out in a read (then a change copies it first: that page keeps its events). */
  private sortedShared = false;
  /** Events written through by this session, with the write's sequence number. */
  readonly localWrites = new Map<string, number>();
  /** Bumped by every change of what a read would show. */
  version = ++versions;
  /** Answers rendered from this snapshot, by request (see RenderedAnswer). */
  readonly rendered = new Map<string, RenderedAnswer>();
  /** The GET in flight and when it started, and the one the reads that arrived before it wait for. */
  running: Promise<SnapshotRead> | null = null;
  runningSince = 0;
  next: Promise<SnapshotRead> | null = null;

  constructor(
    readonly session: string,
    readonly accountId: string | undefined,
  ) {}

  get key(): string {
    return snapshotKey(this.session, this.accountId);
  }

  /**
   * Holds `held` for `id`. `written`: the session's own change, written through: always a new
   * version, with no comparison (a close changes what it closes; comparing a whole event with its
   * audits cost each close more than the rest of this method).
   */
  put(id: string, held: HeldEvent, written = false): void {
    const old = this.held.get(id);
    const sameKey = old !== undefined && old.entry.time === held.entry.time;
    // A delta re-sends the events inside its overlap, mostly unchanged: nothing to do then.
    if (!written && sameKey && isDeepStrictEqual(old.entry.event, held.entry.event)) return;
    this.version = ++versions;
    this.bytes += held.bytes - (old?.bytes ?? 0);
    this.held.set(id, held);
    if (this.sorted === null) return;
    // When the sort key did not move, the new copy takes the old one's place instead of sorting
    // the whole snapshot again; in a copy of the array when a read has it (pages already handed
    // out keep theirs), else in place (a session closing events one after another copies once).
    const at = sameKey ? indexOf(this.sorted, old.entry) : -1;
    if (at === -1) {
      this.sorted = null;
      return;
    }
    if (this.sortedShared) {
      this.sorted = this.sorted.slice();
      this.sortedShared = false;
    }
    this.sorted[at] = held.entry;
  }

  remove(id: string): void {
    const old = this.held.get(id);
    if (!old) return;
    this.version = ++versions;
    this.bytes -= old.bytes;
    this.held.delete(id);
    this.sorted = null;
  }

  /** Records an item left out (a new version only when its problem is news). */
  skip(key: string, item: SkippedEvent): void {
    const old = this.skipped.get(key);
    if (old && old.problem === item.problem) return;
    this.version = ++versions;
    this.skipped.set(key, item);
  }

  unskip(key: string): void {
    if (this.skipped.delete(key)) this.version = ++versions;
  }

  /** Keeps `answer` for `key`, in place of the oldest when full; returns the change in bytes. */
  remember(key: string, answer: RenderedAnswer): number {
    let delta = answer.body.length - (this.rendered.get(key)?.body.length ?? 0);
    this.rendered.delete(key);
    for (const [other, kept] of this.rendered) {
      if (kept.version === this.version && this.rendered.size < MAX_RENDERED) continue;
      this.rendered.delete(other);
      delta -= kept.body.length;
    }
    this.rendered.set(key, answer);
    this.bytes += delta;
    return delta;
  }

  clear(): void {
    this.version = ++versions;
    this.rendered.clear();
    this.held.clear();
    this.skipped = new Map();
    this.bytes = 0;
    this.sorted = null;
    this.sortedShared = false;
    this.watermark = Number.NEGATIVE_INFINITY;
  }

  view(kind: ReadKind): SnapshotRead {
    if (this.sorted === null) this.sorted = Array.from(this.held.values(), (held) => held.entry).sort(compareEvents);
    this.sortedShared = true;
    return { events: this.sorted, skipped: [...this.skipped.values()], kind, version: this.version };
  }

  /** The average JSON bytes of a held event (for an event written through, which came in no list). */
  averageBytes(): number {
    return this.held.size > 0 ? this.bytes / this.held.size : 0;
  }
}

/** Where `entry` sits in `sorted` (page order), by binary search on its sort key; -1 when absent. */
function indexOf(sorted: readonly SortedEvent[], entry: SortedEvent): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const order = compareEvents(sorted[mid], entry);
    if (order === 0) return sorted[mid] === entry ? mid : -1;
    if (order < 0) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}
