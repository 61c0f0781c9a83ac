import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '../../errors.js';
import { readFiltered } from '../filter.js';
import type { QueryResolvers, SecurityEventStatsResolvers } from '../generated/resolvers-types.js';
import { selectedFields } from '../selection.js';
import { countEvents, dayCounts, MAX_DAYS, ranked, SCORE_BANDS } from '../stats.js';

const MAX_LIMIT = 100;
const DEFAULT_DAYS = 14;
const DEFAULT_LIMIT = 10;

/** An Int argument with a default (an explicit null is the default too), in `min..max`, else BAD_USER_INPUT. */
function intInRange(value: number | null | undefined, fallback: number, max: number, field: string, argument: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw badUserInput(`\`${field}(${argument}:)\` must be between 1 and ${max}.`, { argument });
  }
  return n;
}

const days = (value: number | null | undefined) => intInRange(value, DEFAULT_DAYS, MAX_DAYS, 'byDay', 'days');
const limit = (field: 'topAccounts' | 'topSources', value: number | null | undefined) => intInRange(value, DEFAULT_LIMIT, MAX_LIMIT, field, 'limit');

/**
 * The subfields' arguments, checked before the events are read: their own resolvers run only
 * after the read, and bad input makes no PVWA call.
 */
function checkSelection(info: GraphQLResolveInfo): void {
  for (const { name, args } of selectedFields(info)) {
    if (name === 'byDay') days(args.days as number | null);
    else if (name === 'topAccounts' || name === 'topSources') limit(name, args.limit as number | null);
  }
}

/**
 * `Query.securityEventStats`: the events `securityEvents(filter:)` lists, read the same way (one
 * GET through the request's loader), counted in one pass; "today" is the gateway's clock `now`.
 */
export function securityEventStats(now: () => number): NonNullable<QueryResolvers['securityEventStats']> {
  return async (_parent, { filter }, context, info) => {
    checkSelection(info);
    const { events, keep } = await readFiltered(filter, context.loaders);
    return countEvents(events, keep, now());
  };
}

// The parent is the pass's tallies (graph/stats.ts); `total` and `open` are read as they are.
export const SecurityEventStats: SecurityEventStatsResolvers = {
  closed: (stats) => stats.total - stats.open,
  byType: (stats) => ranked(stats.types).map(([type, { total, open }]) => ({ type, total, open })),
  byScore: (stats) => SCORE_BANDS.map(({ min, max }, i) => ({ min, max, total: stats.bands[i].total, open: stats.bands[i].open })),
  byDay: (stats, args) => dayCounts(stats, days(args.days)),
  topAccounts: (stats, args) => ranked(stats.accounts, limit('topAccounts', args.limit)).map(([account, { total, open }]) => ({ account, total, open })),
  topSources: (stats, args) => ranked(stats.sources, limit('topSources', args.limit)).map(([address, { total, open }]) => ({ address, total, open })),
};
