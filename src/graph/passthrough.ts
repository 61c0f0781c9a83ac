import type { PvwaAdditionalData } from '../pvwa/types.js';
import { boundDepth, MAX_JSON_DEPTH } from '../pvwa/validate.js';
import type { WarningSink } from './warnings.js';

/**
 * JSON passed through from the PVWA as it came (`EventAdditionalData.raw`, and any such field
 * added later), bounded in depth. Serialising the answer recurses once per level, so a value
 * nested thousands of levels deep would overflow the stack and cost the client the whole answer;
 * past MAX_JSON_DEPTH levels the value is cut with a marker (pvwa/validate.ts#boundDepth), and the
 * response says so in `extensions.warnings` (UPSTREAM_VALUE_TRUNCATED).
 */

/** An event's `additionalData` as the PVWA sent it, with the event's id, so a warning about it can name the event. */
export interface EventDetails {
  eventId: string;
  data: PvwaAdditionalData;
}

/** Where a passed-through value sits: a field of an event, or of a Vault account. */
export type PassThroughPlace = { eventId: string; field: string; what?: string } | { accountId: string; field: string };

/**
 * A PVWA value for a pass-through field, bounded in depth; when it had to be cut, a warning naming
 * the event (or account) and the field (once per request) and a log line. `what` the event is:
 * a security event unless said.
 */
export function passThrough<T>(value: T, where: PassThroughPlace, sink: WarningSink): T {
  const bounded = boundDepth(value);
  if (!bounded.truncated) return bounded.value;
  const { warnings } = sink;
  const owner: { eventId?: string; accountId?: string } = 'eventId' in where ? { eventId: where.eventId } : { accountId: where.accountId };
  if (!warnings.some((w) => w.code === 'UPSTREAM_VALUE_TRUNCATED' && w.eventId === owner.eventId && w.accountId === owner.accountId && w.field === where.field)) {
    sink.logger.warn({ requestId: sink.record.requestId, ...owner, field: where.field }, `PVWA value nested deeper than ${MAX_JSON_DEPTH} levels: cut`);
    warnings.push({
      code: 'UPSTREAM_VALUE_TRUNCATED',
      message: `A value of ${owner.eventId !== undefined ? `a ${('what' in where ? where.what : undefined) ?? 'security event'}` : 'a Vault account'} from the PVWA was nested deeper than ${MAX_JSON_DEPTH} levels; \`${where.field}\` is cut at that depth.`,
      ...owner,
      field: where.field,
    });
  }
  return bounded.value;
}
