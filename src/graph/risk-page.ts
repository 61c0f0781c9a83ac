import { createHash } from 'node:crypto';
import { badUserInput } from '../errors.js';
import type { PvwaRiskEvent, PvwaRiskEventPage, RiskEventList } from '../pvwa/risk-types.js';
import { riskEventProblem } from '../pvwa/risks.js';
import { skippedItem, type SkippedEvent } from '../pvwa/validate.js';

/**
 * Paging of risk events over the PVWA's own pages (`page` from 0, `size` at most 1000): the first
 * list the PVWA pages itself.
 *
 * A cursor is a position in the list as the PVWA orders it (an offset), not a keyset as for
 * security events (page.ts): the PVWA can only be asked for whole pages, and neither sort key
 * (detection time, score) is unique. A cursor belongs to the list it was issued for: it carries a
 * digest of the filter and sort, so a cursor of another list, like any string the gateway did not
 * issue, is BAD_USER_INPUT before any PVWA call. It holds no session and nothing secret: any
 * session and any replica may use it. In a list that changes between two pages, an offset can
 * repeat or skip a risk event (the README says so).
 */

/** A page of risk events: the parent of RiskEventConnection. */
export interface RiskPage {
  /** The risk events that can be shown, in the PVWA's order, each with its position in the list. */
  items: Array<{ position: number; event: PvwaRiskEvent }>;
  /** The position of the last item the PVWA sent for this page, shown or left out; null when none. */
  endPosition: number | null;
  /** The list's digest, for the cursors. */
  digest: string;
  totalCount: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface RiskEdge {
  cursor: string;
  node: PvwaRiskEvent;
}

/** The list a cursor belongs to: a digest of its filter and sort. Not a secret: it only tells lists apart. */
export function listDigest(list: RiskEventList): string {
  const key = JSON.stringify([list.type ?? null, list.status ?? null, list.detectedFrom ?? null, list.detectedTo ?? null, list.sort]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

const CURSOR = /^r1:(0|[1-9]\d{0,8}):([\w-]{16})$/;

export function encodeRiskCursor(position: number, digest: string): string {
  return Buffer.from(`r1:${position}:${digest}`, 'utf8').toString('base64url');
}

/** The position a cursor holds; BAD_USER_INPUT for anything that is not a cursor of the list of `digest`. */
export function decodeRiskCursor(cursor: string, digest: string): number {
  const text = cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = CURSOR.exec(text);
  if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor) {
    throw badUserInput('`after` is not a cursor of `riskEvents`; pass a pageInfo.endCursor or edge cursor.', { argument: 'after' });
  }
  if (match[2] !== digest) {
    throw badUserInput('`after` is a cursor of another filter or sort; pass it with the filter and sort it came with.', { argument: 'after' });
  }
  return Number(match[1]);
}

/** Which PVWA pages hold a page of the graph. */
export interface PvwaWindow {
  /** The PVWA's `size`. */
  size: number;
  /** The PVWA's `page` of each call: one or two. */
  pages: number[];
  /** How many items of the first PVWA page come before the graph's page. */
  skip: number;
}

/**
 * The PVWA pages that hold `first` risk events from position `offset`: pages of `first`, so a walk
 * with one `first` costs one call per page (a page of 25 after offset 50 is page 2 of size 25).
 * When `offset` is not a multiple of `first` (`first` changed, or an edge's cursor), the items
 * straddle two such pages, and both are fetched: never more than two calls, nor 2 x `first` items.
 */
export function pvwaWindow(offset: number, first: number): PvwaWindow {
  const page = Math.floor(offset / first);
  const skip = offset - page * first;
  return { size: first, pages: skip === 0 ? [page] : [page, page + 1], skip };
}

/**
 * The graph's page from the PVWA's answers to a window's calls, in order; the items that cannot be
 * shown are left out (and returned, to be reported) but keep their positions.
 */
export function riskPage(answers: readonly PvwaRiskEventPage[], window: PvwaWindow, offset: number, first: number, digest: string): { page: RiskPage; skipped: SkippedEvent[] } {
  const entities = answers.flatMap((answer) => answer.entities).slice(window.skip, window.skip + first);
  const items: RiskPage['items'] = [];
  const skipped: SkippedEvent[] = [];
  entities.forEach((entity, index) => {
    const problem = riskEventProblem(entity);
    if (problem === null) items.push({ position: offset + index, event: entity as PvwaRiskEvent });
    else skipped.push(skippedItem(entity, problem));
  });
  const totalCount = answers[0].totalEntities;
  const consumed = entities.length;
  return {
    page: {
      items,
      endPosition: consumed > 0 ? offset + consumed - 1 : null,
      digest,
      totalCount,
      // A PVWA page that came back empty ends the walk, whatever the total says.
      hasNextPage: consumed > 0 && offset + consumed < totalCount,
      hasPreviousPage: offset > 0,
    },
    skipped,
  };
}
