import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { PvwaEvent, PvwaEventQuery } from '../pvwa/types.js';
import type { SkippedEvent } from '../pvwa/validate.js';
import type { ReadKind, RequestRecord } from '../telemetry/record.js';
import type { SortedEvent } from './page.js';

/** Something the caller should know although the request succeeded (response `extensions.warnings`). */
export interface Warning {
  code: 'UPSTREAM_EVENT_SKIPPED' | 'UPSTREAM_VALUE_TRUNCATED';
  message: string;
  eventId?: string;
  /** The field a value was cut in (UPSTREAM_VALUE_TRUNCATED), e.g. `additionalData.raw`. */
  field?: string;
}

/** The events of one read: in page order, the items left out, and how the read was served. */
export interface EventRead {
  events: SortedEvent[];
  skipped: SkippedEvent[];
  kind: ReadKind;
}

/**
 * Where a request's event reads come from (context.ts picks it): the session's snapshot, which
 * serves every filter from one GET per accountID, or the PVWA's own filtered list per query.
 */
export interface EventSource {
  /** Two queries with the same key are one upstream GET in a request. */
  key(query: PvwaEventQuery): string;
  read(query: PvwaEventQuery): Promise<EventRead>;
}

export interface Loaders {
  /** One upstream GET per distinct source key in a request; the checked events in page order. */
  events: DataLoader<PvwaEventQuery, SortedEvent[], string>;
  /** Events by id, all looked up over one unfiltered list. */
  eventById: DataLoader<string, PvwaEvent | null>;
}

/** What decides the request log line's `read` when a request read more than once. */
const READ_RANK: Record<ReadKind, number> = { delta: 0, full: 1 };

/**
 * The request's loaders. Made per request and dropped with it: they hold only what this
 * request's own reads returned, so nothing of theirs reaches another request.
 */
export function createLoaders(source: EventSource, warnings: Warning[], record: RequestRecord, logger: Logger): Loaders {
  const reported = new Set<string>();

  async function load(query: PvwaEventQuery): Promise<SortedEvent[]> {
    const { events, skipped, kind } = await source.read(query);
    if (record.read === null || READ_RANK[kind] > READ_RANK[record.read]) record.read = kind;
    for (const { eventId, problem } of skipped) {
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
    return events;
  }

  const events = new DataLoader<PvwaEventQuery, SortedEvent[], string>(
    (queries) => Promise.all(queries.map((query) => load(query).catch((error: unknown) => error as Error))),
    { cacheKeyFn: (query) => source.key(query) },
  );

  const eventById = new DataLoader<string, PvwaEvent | null>(async (ids) => {
    const all = await events.load({});
    const byId = new Map<string, PvwaEvent>();
    for (const { event } of all) byId.set(event.id, event);
    return ids.map((id) => byId.get(id) ?? null);
  });

  return { events, eventById };
}
