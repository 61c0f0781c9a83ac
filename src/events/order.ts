import type { PvwaEvent } from '../pvwa/types.js';
import { pvwaStatus, pvwaTimeToMs } from '../pvwa/validate.js';
import type { SortedEvent } from './types.js';

/**
 * Page order: newest lastUpdateTime first, ties by id, so the order is total and stable across
 * fetches. A property of PVWA events, used by the snapshots that keep them in it and by the
 * keyset cursors (graph/page.ts) that walk it.
 */

/** An event (checked by pvwa/validate.ts) with its sort key and status. */
export function sortable(event: PvwaEvent): SortedEvent {
  return { event, time: pvwaTimeToMs(event.lastUpdateTime) as number, status: pvwaStatus(event.mStatus)! };
}

/** Newest lastUpdateTime first; ties by id. */
export function compareKeys(aTime: number, aId: string, bTime: number, bId: string): number {
  if (aTime !== bTime) return bTime - aTime;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

export function compareEvents(a: SortedEvent, b: SortedEvent): number {
  return compareKeys(a.time, a.event.id, b.time, b.event.id);
}

/** The checked events in page order. The PVWA already sorts them, so usually no sort runs. */
export function sortEvents(events: readonly PvwaEvent[]): SortedEvent[] {
  const sorted: SortedEvent[] = new Array(events.length);
  let inOrder = true;
  for (let i = 0; i < events.length; i++) {
    sorted[i] = sortable(events[i]);
    if (inOrder && i > 0 && compareEvents(sorted[i - 1], sorted[i]) > 0) inOrder = false;
  }
  if (!inOrder) sorted.sort(compareEvents);
  return sorted;
}
