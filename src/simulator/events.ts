/** What the simulated PVWA does with its event lists: filter a GET, check and apply a PATCH. */

type Json = Record<string, unknown>;

const CLOSE_REASONS = new Set(['HANDLED', 'NOTREAL', 'OTHER', 'NONE']);

/** The events matching the GET's query, newest first; null when a filter value is invalid. */
export function filterEvents(dataset: readonly Json[], query: Record<string, string>): Json[] | null {
  let result = dataset;
  if (query.fromUpdateDate !== undefined) {
    const from = Number(query.fromUpdateDate);
    if (!Number.isFinite(from)) return null;
    result = result.filter((event) => Number(event.lastUpdateTime) >= from);
  }
  if (query.status !== undefined) {
    const status = query.status.toUpperCase();
    if (status !== 'OPEN' && status !== 'CLOSED') return null;
    result = result.filter((event) => String(event.mStatus).toUpperCase() === status);
  }
  if (query.accountID !== undefined) {
    const accountId = query.accountID;
    result = result.filter((event) => Array.isArray(event.audits) && event.audits.some((audit: Json) => audit?.accountId === accountId));
  }
  return [...result].sort((a, b) => Number(b.lastUpdateTime) - Number(a.lastUpdateTime));
}

export interface EventPatch {
  mStatus: 'OPEN' | 'CLOSED';
  closeReason?: string;
  reasonText?: string;
}

/** A PATCH body as the PVWA accepts it, or the message of its 400. */
export function parsePatch(body: string): EventPatch | string {
  let patch: Json;
  try {
    patch = JSON.parse(body) as Json;
  } catch {
    return 'The request body is not valid JSON.';
  }
  const status = typeof patch?.mStatus === 'string' ? patch.mStatus.toUpperCase() : '';
  if (status !== 'OPEN' && status !== 'CLOSED') return 'mStatus must be OPEN or CLOSED.';
  if (patch.closeReason !== undefined && !CLOSE_REASONS.has(String(patch.closeReason))) return 'closeReason is invalid.';
  if (patch.reasonText !== undefined && (typeof patch.reasonText !== 'string' || patch.reasonText.length > 100)) {
    return 'reasonText must be a string of at most 100 characters.';
  }
  return { mStatus: status, closeReason: patch.closeReason as string | undefined, reasonText: patch.reasonText as string | undefined };
}

/** Applies a checked PATCH to a stored event, as the PVWA does, and stamps lastUpdateTime. */
export function applyPatch(event: Json, patch: EventPatch): void {
  event.mStatus = patch.mStatus;
  delete event.closeReason;
  delete event.reasonText;
  if (patch.closeReason !== undefined) event.closeReason = patch.closeReason;
  if (patch.reasonText !== undefined) event.reasonText = patch.reasonText;
  event.lastUpdateTime = Date.now();
}
