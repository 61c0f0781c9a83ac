import type { PvwaEvent, PvwaEventStatus } from './types.js';

/**
 * Checks of the PVWA's JSON before it enters the graph.
 *
 * Hand-written rather than a zod schema on purpose: this runs for every event of every list the
 * PVWA returns (thousands per request), and a schema library clones each object it parses. These
 * checks only read the fields the graph declares non-null, and leave the object as it came.
 */

/** Below this an epoch value is seconds (year 5138 in seconds; 1973 in milliseconds). */
const SECONDS_LIMIT = 100_000_000_000;

/**
 * A PVWA time as epoch milliseconds, or null when it is not a time. Real PVWAs send epoch
 * milliseconds; one docs page says seconds, so a value below 1e11 is read as seconds (fractions
 * allowed). Numeric strings are accepted too.
 */
export function pvwaTimeToMs(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else return null;
  if (!Number.isFinite(n)) return null;
  const ms = Math.abs(n) < SECONDS_LIMIT ? Math.round(n * 1000) : n;
  // The range a JavaScript Date can hold.
  return Math.abs(ms) <= 8.64e15 ? ms : null;
}

/** `mStatus` in any case, as the PVWA's uppercase value; null when it is neither. */
export function pvwaStatus(value: unknown): PvwaEventStatus | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  return upper === 'OPEN' || upper === 'CLOSED' ? upper : null;
}

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
}

function auditProblem(audit: unknown, index: number): string | null {
  if (!isObject(audit)) return `audits[${index}] is not an object`;
  if (!isId(audit.id)) return `audits[${index}].id is missing`;
  if (typeof audit.type !== 'string') return `audits[${index}].type is missing`;
  if (pvwaTimeToMs(audit.createTime) === null) return `audits[${index}].createTime is not a time`;
  return null;
}

/**
 * Why a value from the PVWA cannot be shown as a SecurityEvent, or null when it can.
 * Optional fields are never a reason: the mappers turn odd ones into null.
 */
export function eventProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (typeof value.id !== 'string' || value.id === '') return 'id is missing';
  if (typeof value.type !== 'string') return 'type is missing';
  if (typeof value.score !== 'number' || !Number.isFinite(value.score)) return 'score is not a number';
  if (pvwaStatus(value.mStatus) === null) return 'its status is neither OPEN nor CLOSED';
  if (pvwaTimeToMs(value.createTime) === null) return 'createTime is not a time';
  if (pvwaTimeToMs(value.lastUpdateTime) === null) return 'lastUpdateTime is not a time';
  const audits = value.audits;
  if (audits !== undefined && audits !== null) {
    if (!Array.isArray(audits)) return 'audits is not a list';
    for (let i = 0; i < audits.length; i++) {
      const problem = auditProblem(audits[i], i);
      if (problem) return problem;
    }
  }
  return null;
}

/** An item of a PVWA list that cannot be shown, and why. */
export interface SkippedEvent {
  /** Its id, when it has a usable one. */
  eventId?: string;
  problem: string;
}

/** A PVWA list split into the events the graph can show and the items it cannot. */
export function partitionEvents(items: readonly unknown[]): { events: PvwaEvent[]; skipped: SkippedEvent[] } {
  const { kept, skipped } = partition<PvwaEvent>(items, eventProblem);
  return { events: kept, skipped };
}

/** Items of a PVWA list split by `problemOf` into those the graph can show and those it cannot. */
export function partition<T>(items: readonly unknown[], problemOf: (item: unknown) => string | null): { kept: T[]; skipped: SkippedEvent[] } {
  const kept: T[] = [];
  const skipped: SkippedEvent[] = [];
  for (const item of items) {
    const problem = problemOf(item);
    if (problem === null) {
      kept.push(item as T);
      continue;
    }
    skipped.push(skippedItem(item, problem));
  }
  return { kept, skipped };
}

/** An item left out for `problem`, named by its id when it has a usable one. */
export function skippedItem(item: unknown, problem: string): SkippedEvent {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? { eventId: id, problem } : { problem };
}
