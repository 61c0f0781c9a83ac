import type { PvwaAdditionalData } from '../pvwa/types.js';
import type { WarningSink } from './warnings.js';

/**
 * JSON passed through from the PVWA as it came (`EventAdditionalData.raw`, and any such field
 * added later), bounded in depth. Serialising the answer recurses once per level, so a value
 * nested thousands of levels deep would overflow the stack and cost the client the whole answer;
 * past MAX_JSON_DEPTH levels the value is cut with a marker, and the response says so in
 * `extensions.warnings` (UPSTREAM_VALUE_TRUNCATED).
 */

/** An event's `additionalData` as the PVWA sent it, with the event's id, so a warning about it can name the event. */
export interface EventDetails {
  eventId: string;
  data: PvwaAdditionalData;
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
 * A PVWA value for a pass-through field, bounded in depth; when it had to be cut, a warning naming
 * the event and the field (once per request) and a log line. `what` the event is: a security
 * event unless said.
 */
export function passThrough<T>(value: T, where: { eventId: string; field: string; what?: string }, sink: WarningSink): T {
  const bounded = boundDepth(value);
  if (!bounded.truncated) return bounded.value;
  const { warnings } = sink;
  if (!warnings.some((w) => w.code === 'UPSTREAM_VALUE_TRUNCATED' && w.eventId === where.eventId && w.field === where.field)) {
    sink.logger.warn({ requestId: sink.record.requestId, eventId: where.eventId, field: where.field }, `PVWA value nested deeper than ${MAX_JSON_DEPTH} levels: cut`);
    warnings.push({
      code: 'UPSTREAM_VALUE_TRUNCATED',
      message: `A value of a ${where.what ?? 'security event'} from the PVWA was nested deeper than ${MAX_JSON_DEPTH} levels; \`${where.field}\` is cut at that depth.`,
      eventId: where.eventId,
      field: where.field,
    });
  }
  return bounded.value;
}
