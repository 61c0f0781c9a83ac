import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { EventSource, SortedEvent } from '../events/types.js';
import type { PvwaEvent, PvwaEventQuery } from '../pvwa/types.js';
import type { RequestRecord } from '../telemetry/record.js';
import { createVaultLoaders, type VaultLoaders, type VaultReads } from './vault-loaders.js';
import { reportSkipped, type Warning } from './warnings.js';

export interface Loaders extends VaultLoaders {
  /** One upstream GET per distinct source key in a request; the checked events in page order. */
  events: DataLoader<PvwaEventQuery, SortedEvent[], string>;
  /** Events by id, all looked up over one unfiltered list. */
  eventById: DataLoader<string, PvwaEvent | null>;
}

/**
 * The request's loaders. Made per request and dropped with it: they hold only what this
 * request's own reads returned, so nothing of theirs reaches another request.
 */
export function createLoaders(source: EventSource, vault: VaultReads, warnings: Warning[], record: RequestRecord, logger: Logger): Loaders {
  const reported = new Set<string>();

  async function load(query: PvwaEventQuery): Promise<SortedEvent[]> {
    const { events, skipped, kind } = await source.read(query);
    record.eventsRead(kind);
    for (const item of skipped) {
      const key = `${item.eventId}|${item.problem}`;
      if (reported.has(key)) continue;
      reported.add(key);
      reportSkipped({ warnings, logger }, 'security event', item);
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

  return { events, eventById, ...createVaultLoaders(vault, { warnings, logger, record }) };
}
