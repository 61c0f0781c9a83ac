import type { PvwaAudit } from '../../pvwa/types.js';
import type { SecurityEventResolvers } from '../generated/resolvers-types.js';
import { eventStatus, obj, str, toCloseReason, toDate } from '../map.js';

// The parent is the PVWA event as it came (checked by pvwa/validate.ts): only the fields whose
// name or form differs have a resolver; id, type and score are passed through as they are.
export const SecurityEvent: SecurityEventResolvers = {
  status: (event) => eventStatus(event),
  createTime: (event) => toDate(event.createTime)!,
  lastUpdateTime: (event) => toDate(event.lastUpdateTime)!,
  closeReason: (event) => toCloseReason(event.closeReason),
  reasonText: (event) => str(event.reasonText),
  audits: (event) => (Array.isArray(event.audits) ? (event.audits as PvwaAudit[]) : []),
  additionalData: (event) => ({ eventId: event.id, data: obj(event.additionalData) ?? {} }),
};
