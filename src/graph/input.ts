import { badUserInput } from '../errors.js';
import { eventIdProblem } from '../pvwa/paths.js';
import type { EventStatusChange } from '../pvwa/types.js';
import type { CloseReason, CredentialsAction, EventStatus } from './generated/resolvers-types.js';

export const MAX_REASON_TEXT = 100;
export const MAX_PAGE_SIZE = 500;

/** `first` of a page, checked: 1 to MAX_PAGE_SIZE; an explicit null is the default, 50. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
  }
  return size;
}

/** BAD_USER_INPUT, before any upstream call, for an id the PVWA URL rules cannot carry. */
export function checkEventId(id: string, argument = 'id'): void {
  const problem = eventIdProblem(id);
  if (problem) throw badUserInput(`\`${argument}\` ${problem}.`, { argument });
}

/**
 * A status change as the mutations take it, checked before any upstream call: `closeReason` and
 * `reasonText` only with CLOSED, `reasonText` at most MAX_REASON_TEXT characters.
 */
export function statusChange(status: EventStatus, closeReason: CloseReason | null | undefined, reasonText: string | null | undefined): EventStatusChange {
  if (status !== 'CLOSED' && (closeReason != null || reasonText != null)) {
    throw badUserInput('`closeReason` and `reasonText` are only accepted with `status: CLOSED`.', {
      argument: closeReason != null ? 'closeReason' : 'reasonText',
    });
  }
  if (reasonText != null && reasonText.length > MAX_REASON_TEXT) {
    throw badUserInput(`\`reasonText\` must be at most ${MAX_REASON_TEXT} characters long.`, { argument: 'reasonText' });
  }
  return { status, closeReason, reasonText };
}

/** `changeEntireGroup` only with CHANGE (the PVWA's Verify and Reconcile take no body), checked before any upstream call. */
export function checkChangeEntireGroup(action: CredentialsAction, changeEntireGroup: boolean | null | undefined): boolean {
  if (changeEntireGroup && action !== 'CHANGE') {
    throw badUserInput('`changeEntireGroup` is only accepted with `action: CHANGE`.', { argument: 'changeEntireGroup' });
  }
  return changeEntireGroup ?? false;
}
