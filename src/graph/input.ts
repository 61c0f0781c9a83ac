import { badUserInput } from '../errors.js';
import { eventIdProblem } from '../pvwa/paths.js';

/** BAD_USER_INPUT, before any upstream call, for an id the PVWA URL rules cannot carry. */
export function checkEventId(id: string, argument = 'id'): void {
  const problem = eventIdProblem(id);
  if (problem) throw badUserInput(`\`${argument}\` ${problem}.`, { argument });
}

export const MAX_REASON_TEXT = 100;
export const MAX_PAGE_SIZE = 500;
