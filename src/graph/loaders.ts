import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { PvwaApi } from '../pvwa/client.js';
import type { PvwaEvent, PvwaEventQuery } from '../pvwa/types.js';
import { eventProblem } from '../pvwa/validate.js';
import { sortEvents, type SortedEvent } from './page.js';

/** Something the caller should know although the request succeeded (response `extensions.warnings`). */
export interface Warning {
  code: 'UPSTREAM_EVENT_SKIPPED' | 'UPSTREAM_VALUE_TRUNCATED';
  message: string;
  eventId?: string;
  /** The field a value was cut in (UPSTREAM_VALUE_TRUNCATED), e.g. `additionalData.raw`. */
  field?: string;
}

export interface Loaders {
  /** One GET per distinct query in a request; the checked events in page order. */
  events: DataLoader<PvwaEventQuery, SortedEvent[], string>;
  /** Events by id, all looked up over one unfiltered list. */
  eventById: DataLoader<string, PvwaEvent | null>;
}

/** A query's identity: two equal queries are one GET. */
function queryKey(query: PvwaEventQuery): string {
  return `${query.fromUpdateDate ?? ''}|${query.status ?? ''}|${query.accountID ?? ''}`;
}

/**
 * The request's loaders. Made per request and dropped with it: what one token fetched is never
 * served to another, nor kept after the request ends.
 */
export function createLoaders(pvwa: () => PvwaApi, warnings: Warning[], logger: Logger): Loaders {
  const reported = new Set<string>();

  async function fetchEvents(query: PvwaEventQuery): Promise<SortedEvent[]> {
    const raw = await pvwa().getEvents(query);
    const valid: PvwaEvent[] = [];
    for (const item of raw) {
      const problem = eventProblem(item);
      if (problem === null) {
        valid.push(item as PvwaEvent);
        continue;
      }
      const eventId = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : undefined;
      const key = `${eventId}|${problem}`;
      if (reported.has(key)) continue;
      reported.add(key);
      logger.warn({ eventId, problem }, 'PVWA event left out: it cannot be mapped');
      warnings.push({
        code: 'UPSTREAM_EVENT_SKIPPED',
        message: `A security event from the PVWA was left out because ${problem}.`,
        ...(eventId !== undefined ? { eventId } : {}),
      });
    }
    return sortEvents(valid);
  }

  const events = new DataLoader<PvwaEventQuery, SortedEvent[], string>(
    (queries) => Promise.all(queries.map((query) => fetchEvents(query).catch((error: unknown) => error as Error))),
    { cacheKeyFn: queryKey },
  );

  const eventById = new DataLoader<string, PvwaEvent | null>(async (ids) => {
    const all = await events.load({});
    const byId = new Map<string, PvwaEvent>();
    for (const { event } of all) byId.set(event.id, event);
    return ids.map((id) => byId.get(id) ?? null);
  });

  return { events, eventById };
}
