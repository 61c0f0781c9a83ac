import { partitionEvents } from '../pvwa/validate.js';
import type { RequestRecord } from '../telemetry/record.js';
import { sortEvents } from './order.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { EventSource, FetchEvents } from './types.js';

/** A snapshot read a request made: which snapshot, at which version (for the rendered-answer cache). */
export interface SnapshotReadMark {
  accountId: string | undefined;
  version: number;
}

/**
 * The mark of a read outside the snapshots (a Vault account, a live session, the logged-on user):
 * the answer then depends on more than a snapshot, and is never kept as a rendered answer, which
 * needs exactly one mark, of the whole-list snapshot (this one names no snapshot of the list).
 */
export const OUTSIDE_SNAPSHOTS: SnapshotReadMark = { accountId: '', version: -1 };

/**
 * Reads from the session's snapshots (PVWA_SNAPSHOT_MAX_AGE_MS > 0): one snapshot per accountID
 * serves every other filter; each read still makes its one upstream GET, started after the
 * request arrived (`record.arrivedAt`). `reads` is told of each read made (the HTTP route's
 * rendered-answer cache).
 */
export function snapshotSource(store: SnapshotStore, session: string, record: Pick<RequestRecord, 'arrivedAt' | 'traceParent'>, fetch: FetchEvents, reads?: SnapshotReadMark[]): EventSource {
  return {
    key: (query) => query.accountID ?? '',
    read: async (query) => {
      const read = await store.read(session, query.accountID, record.arrivedAt, fetch, record.traceParent);
      reads?.push({ accountId: query.accountID, version: read.version });
      return read;
    },
  };
}

/** Reads the PVWA's own filtered list for each query (snapshots off). */
export function directSource(fetch: FetchEvents): EventSource {
  return {
    key: (query) => `${query.fromUpdateDate ?? ''}|${query.status ?? ''}|${query.accountID ?? ''}`,
    read: async (query) => {
      const { events, skipped } = partitionEvents((await fetch(query)).items);
      return { events: sortEvents(events), skipped, kind: 'full' };
    },
  };
}
