import type { PvwaEvent, PvwaEventStatus } from '../pvwa/types.js';
import type { CloseReason } from './generated/resolvers-types.js';
import { isObject, pvwaStatus, pvwaTimeToMs } from '../pvwa/validate.js';

/**
 * Pure functions from PVWA JSON values to graph values. Each reads one value tolerantly: a value
 * of an unexpected type becomes null (or an empty list) rather than an error, so one odd field
 * does not cost the client the whole event.
 */

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** An id may come as a string or a number. */
export function id(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function strList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** An object field, or null when absent or not an object. */
export function obj<T extends object>(value: unknown): T | null {
  return isObject(value) ? (value as T) : null;
}

/** A PVWA time (epoch ms, or seconds below 1e11) as a Date; null when it is not a time. */
export function toDate(value: unknown): Date | null {
  const ms = pvwaTimeToMs(value);
  return ms === null ? null : new Date(ms);
}

/**
 * A Vault time (an account's or a live session's: epoch seconds) as a Date; null when it is not a
 * time, or 0 or less (the PVWA's "never", e.g. an account never verified).
 */
export function toVaultTime(value: unknown): Date | null {
  const date = toDate(value);
  return date !== null && date.getTime() > 0 ? date : null;
}

/** An event's status (the PVWA's `mStatus`), for an event checked by pvwa/validate.ts. */
export function eventStatus(event: PvwaEvent): PvwaEventStatus {
  return pvwaStatus(event.mStatus)!;
}

/** `closeReason` in any case, as the graph's value: the PVWA's NOTREAL is NOT_REAL (accepted too). */
export function toCloseReason(value: unknown): CloseReason | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  switch (upper) {
    case 'HANDLED': case 'OTHER': case 'NONE': case 'NOT_REAL': return upper;
    case 'NOTREAL': return 'NOT_REAL';
    default: return null;
  }
}

/** `mitigationAction`: terminate / suspend in any case. */
export function toMitigationAction(value: unknown): 'TERMINATE' | 'SUSPEND' | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  return upper === 'TERMINATE' || upper === 'SUSPEND' ? upper : null;
}

/** A boolean, or the strings true / false in any case; anything else is null. */
export function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return null;
}

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/** A GraphQL Int (32-bit) from a number or a numeric string; null otherwise. */
export function toInt(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX ? n : null;
}

/** A finite number, or null. */
export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
