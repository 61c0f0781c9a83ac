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

/** Most levels of nesting passed through; the value itself is level 1. */
export const MAX_JSON_DEPTH = 64;
/** What stands where a deeper value was cut. */
export const TRUNCATED_MARKER = `[truncated: nested deeper than ${MAX_JSON_DEPTH} levels]`;

/** Whether `value` has an object or array more than `levels` levels deep (never recurses past that). */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (deeperThan(child, levels - 1)) return true;
  }
  return false;
}

/** A copy of `value` with every object or array more than `levels` deep replaced by the marker. */
function cut(value: unknown, levels: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (levels === 0) return TRUNCATED_MARKER;
  if (Array.isArray(value)) return value.map((child) => cut(child, levels - 1));
  // fromEntries, not assignment: a key "__proto__" stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, cut(child, levels - 1)]));
}

/** `value` itself when it is at most `maxDepth` deep (the usual case, no copy), else a cut copy. */
export function boundDepth<T>(value: T, maxDepth = MAX_JSON_DEPTH): { value: T; truncated: boolean } {
  if (!deeperThan(value, maxDepth)) return { value, truncated: false };
  return { value: cut(value, maxDepth) as T, truncated: true };
}

/**
 * An event as the snapshots keep it: nested at most MAX_JSON_DEPTH + 2 levels (the event, its
 * additionalData, then one level more than `raw` passes through, so `raw` is still cut and warned
 * about when shown). Comparing, hashing or serialising it then never recurses without bound; a
 * usual event is itself, not a copy.
 */
export function boundEvent(event: PvwaEvent): PvwaEvent {
  return boundDepth(event, MAX_JSON_DEPTH + 2).value;
}
