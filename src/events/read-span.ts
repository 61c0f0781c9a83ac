import { viewOfError } from '../errors.js';
import { ATTR_SNAPSHOT_READ, ATTR_SNAPSHOT_SHARED } from '../tracing/semconv.js';
import type { Span, Tracing } from '../tracing/tracing.js';
import type { SnapshotRead } from './snapshot.js';
import type { FetchEvents } from './types.js';

/**
 * A snapshot read as a span under `parent`: how it was served (`full` or `delta`), and whether it
 * made its own GET (then that GET's spans are the read's children) or waited for another
 * request's (`shared`: single flight). A failed read records the gateway's error code.
 */
export async function tracedRead(tracing: Tracing, parent: Span | undefined, fetch: FetchEvents, read: (fetch: FetchEvents) => Promise<SnapshotRead>): Promise<SnapshotRead> {
  const span = tracing.start('snapshot read', parent);
  let shared = true;
  try {
    const answer = await read((query) => {
      shared = false;
      return fetch(query, span);
    });
    span.setAttribute(ATTR_SNAPSHOT_READ, answer.kind);
    return answer;
  } catch (error) {
    tracing.fail(span, viewOfError(error).code);
    throw error;
  } finally {
    span.setAttribute(ATTR_SNAPSHOT_SHARED, shared);
    span.end();
  }
}
