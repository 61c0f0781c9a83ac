import type { SortedEvent } from '../events/types.js';
import type { PvwaAudit } from '../pvwa/types.js';
import { isObject, pvwaTimeToMs } from '../pvwa/validate.js';

/**
 * The counting behind `securityEventStats`: one pass over a session's events as the loader holds
 * them (the snapshot's own list, in page order), keeping those the gateway's filter keeps, with
 * no copy of the list. The pass tallies everything a dashboard asks for by key; what depends on a
 * field's arguments (how many days, how many accounts) is cut from those tallies when the field
 * is resolved. Pure: the clock's "now" is given.
 */

export const DAY_MS = 86_400_000;
/** The most days `byDay` counts back, today included: only those are tallied. */
export const MAX_DAYS = 366;

/** How many events, and how many of them are OPEN. */
export interface Tally {
  total: number;
  open: number;
}

/** The score bands, in order: each includes its min and excludes its max, except the last, which includes 100. */
export const SCORE_BANDS: ReadonlyArray<{ min: number; max: number }> = [
  { min: 0, max: 25 },
  { min: 25, max: 50 },
  { min: 50, max: 75 },
  { min: 75, max: 100 },
];

/** The tallies of one set of events. */
export interface EventStats extends Tally {
  /** By event type. */
  types: Map<string, Tally>;
  /** One per SCORE_BANDS, in its order. */
  bands: Tally[];
  /** By UTC day of createTime, for the MAX_DAYS days ending today: today is [0], yesterday [1] (absent: none). */
  days: Array<Tally | undefined>;
  /** By Account.asString: the events with an audit on that account, each event once. */
  accounts: Map<string, Tally>;
  /** By an audit's source originalAddress, each event once. */
  sources: Map<string, Tally>;
  /** The UTC day of the clock's "now" when counted (days since 1970-01-01): the last day of `byDay`. */
  today: number;
}

/** Counts the events `keep` keeps (all when null), as of `now` (epoch ms). */
export function countEvents(events: readonly SortedEvent[], keep: ((entry: SortedEvent) => boolean) | null, now: number): EventStats {
  const stats: EventStats = {
    total: 0,
    open: 0,
    types: new Map(),
    bands: SCORE_BANDS.map(() => ({ total: 0, open: 0 })),
    days: new Array(MAX_DAYS),
    accounts: new Map(),
    sources: new Map(),
    today: dayOf(now),
  };
  // The names already counted for the event at hand: an event counts once per distinct name.
  const seen = new Set<string>();
  for (const entry of events) {
    if (keep !== null && !keep(entry)) continue;
    const { event } = entry;
    const open = entry.status === 'OPEN' ? 1 : 0;
    stats.total++;
    stats.open += open;
    add(stats.types, event.type, open);
    const band = scoreBand(event.score);
    if (band !== -1) {
      stats.bands[band].total++;
      stats.bands[band].open += open;
    }
    // Checked by pvwa/validate.ts: every event's createTime is a time.
    const daysAgo = stats.today - dayOf(pvwaTimeToMs(event.createTime) as number);
    if (daysAgo >= 0 && daysAgo < MAX_DAYS) {
      const day = (stats.days[daysAgo] ??= { total: 0, open: 0 });
      day.total++;
      day.open += open;
    }
    if (Array.isArray(event.audits) && event.audits.length > 0) {
      addDistinct(stats.accounts, event.audits, accountOf, open, seen);
      addDistinct(stats.sources, event.audits, sourceOf, open, seen);
    }
  }
  return stats;
}

/** The index of the band `score` is in; -1 when it is outside 0 to 100. */
export function scoreBand(score: number): number {
  if (!(score >= 0 && score <= 100)) return -1;
  return score < 25 ? 0 : score < 50 ? 1 : score < 75 ? 2 : 3;
}

/** The UTC day of an epoch-ms time, as days since 1970-01-01. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** A day (days since 1970-01-01) as YYYY-MM-DD. */
export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The `days` days (at most MAX_DAYS) ending with `stats.today`, oldest first, zeros kept. */
export function dayCounts(stats: EventStats, days: number): Array<{ date: string } & Tally> {
  const counts: Array<{ date: string } & Tally> = [];
  for (let daysAgo = Math.min(days, MAX_DAYS) - 1; daysAgo >= 0; daysAgo--) {
    const tally = stats.days[daysAgo];
    counts.push({ date: dateOf(stats.today - daysAgo), total: tally?.total ?? 0, open: tally?.open ?? 0 });
  }
  return counts;
}

/** Most events first, then by name in ascending code-unit order (the same on every machine, unlike a locale's). */
function rankOrder([aName, a]: [string, Tally], [bName, b]: [string, Tally]): number {
  return b.total - a.total || (aName < bName ? -1 : aName > bName ? 1 : 0);
}

/**
 * The first `limit` entries of `tallies` in rank order (all of them when undefined). A dashboard
 * asks for ten of a few thousand addresses: those are kept in one pass, not the whole map sorted.
 */
export function ranked(tallies: Map<string, Tally>, limit = Number.POSITIVE_INFINITY): Array<[string, Tally]> {
  if (limit >= tallies.size) return [...tallies].sort(rankOrder);
  const top: Array<[string, Tally]> = [];
  for (const entry of tallies) {
    if (top.length === limit && rankOrder(entry, top[limit - 1]) >= 0) continue;
    // Where it goes among the kept ones (binary search), then the last one out when over the limit.
    let low = 0;
    let high = top.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (rankOrder(top[mid], entry) <= 0) low = mid + 1;
      else high = mid;
    }
    top.splice(low, 0, entry);
    if (top.length > limit) top.pop();
  }
  return top;
}

function add(tallies: Map<string, Tally>, key: string, open: number): void {
  let tally = tallies.get(key);
  if (tally === undefined) tallies.set(key, (tally = { total: 0, open: 0 }));
  tally.total++;
  tally.open += open;
}

/** Counts the event once under each distinct name its audits give (audits that give none are not counted). */
function addDistinct(tallies: Map<string, Tally>, audits: readonly PvwaAudit[], name: (audit: PvwaAudit) => string | null, open: number, seen: Set<string>): void {
  seen.clear();
  for (const audit of audits) {
    const key = name(audit);
    if (key === null || seen.has(key)) continue;
    seen.add(key);
    add(tallies, key, open);
  }
}

// Read as graph/map.ts reads them (not imported: this module is a codegen mapper, and map.ts
// imports the generated types, which would make a circle).

/** What the graph shows as the audit's `account.asString`. */
function accountOf(audit: PvwaAudit): string | null {
  const account: unknown = audit.account;
  return isObject(account) && typeof account.accountAsStr === 'string' ? account.accountAsStr : null;
}

/** What the graph shows as the audit's `source.originalAddress`. */
function sourceOf(audit: PvwaAudit): string | null {
  const source: unknown = audit.source;
  return isObject(source) && typeof source.mOriginalAddress === 'string' ? source.mOriginalAddress : null;
}
