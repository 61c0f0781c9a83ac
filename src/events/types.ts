import type { PvwaEventList } from '../pvwa/client.js';
import type { PvwaEvent, PvwaEventQuery, PvwaEventStatus } from '../pvwa/types.js';
import type { SkippedEvent } from '../pvwa/validate.js';
import type { ReadKind } from '../telemetry/metrics.js';
import type { Span } from '../tracing/tracing.js';

/**
 * The event store's vocabulary, shared by the store, the live hub and the graph that reads them.
 * Words used with one meaning each (docs/ARCHITECTURE.md, "Names"): a PVWA session is what a
 * token stands for, keyed here by `sessionKey` (the token's SHA-256); a snapshot is the events one
 * PVWA session last received; a subscription is one graphql-ws operation fed by the live hub.
 */

/** An event (checked by pvwa/validate.ts) with its sort key and status, read once. */
export interface SortedEvent {
  event: PvwaEvent;
  /** lastUpdateTime in epoch ms. */
  time: number;
  status: PvwaEventStatus;
}

/** The events of one read: in page order, the items left out, and how the read was served. */
export interface EventRead {
  events: SortedEvent[];
  skipped: SkippedEvent[];
  kind: ReadKind;
  /**
   * From a snapshot: changes whenever what the read shows changes (an answer rendered from it is
   * still exact while it holds). Absent for a read straight from the PVWA.
   */
  version?: number;
}

/** An event a PVWA session had not seen before, or one whose lastUpdateTime or status changed. */
export interface EventChange {
  kind: 'CREATED' | 'UPDATED';
  entry: SortedEvent;
}

/**
 * Where a request's event reads come from: the session's snapshot, which serves every filter from
 * one GET per accountID, or the PVWA's own filtered list per query (events/sources.ts).
 */
export interface EventSource {
  /** Two queries with the same key are one upstream GET in a request. */
  key(query: PvwaEventQuery): string;
  read(query: PvwaEventQuery): Promise<EventRead>;
}

/** The upstream GET of one read, with the caller's own token; its spans under `parent` (the read's) when tracing is on. */
export type FetchEvents = (query: PvwaEventQuery, parent?: Span) => Promise<PvwaEventList>;
