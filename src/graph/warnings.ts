import type { Logger } from 'pino';
import type { SkippedEvent } from '../pvwa/validate.js';

/** Something the caller should know although the request succeeded (response `extensions.warnings`). */
export interface Warning {
  code: 'UPSTREAM_EVENT_SKIPPED' | 'UPSTREAM_VALUE_TRUNCATED' | 'ACCOUNT_NOT_VISIBLE' | 'LIVE_SESSION_NOT_VISIBLE';
  message: string;
  eventId?: string;
  /** The Vault account the PVWA refused the session (ACCOUNT_NOT_VISIBLE), or whose value was cut. */
  accountId?: string;
  /** The live session the PVWA refused the session (LIVE_SESSION_NOT_VISIBLE). */
  sessionId?: string;
  /** The field a value was cut in (UPSTREAM_VALUE_TRUNCATED), e.g. `additionalData.raw`. */
  field?: string;
}

/** Where a value helper reports what the caller should know: the request's warnings, and its log. */
export interface WarningSink {
  warnings: Warning[];
  logger: Logger;
  record: { requestId: string };
}

/**
 * An item of a PVWA answer left out because it cannot be shown (`what`: a security event, a risk
 * event, ...): logged, and told in the response's warnings.
 */
export function reportSkipped(sink: Pick<WarningSink, 'warnings' | 'logger'>, what: string, { eventId, problem }: SkippedEvent): void {
  sink.logger.warn({ eventId, problem }, 'PVWA event left out: it cannot be mapped');
  sink.warnings.push({
    code: 'UPSTREAM_EVENT_SKIPPED',
    message: `A ${what} from the PVWA was left out because ${problem}.`,
    ...(eventId !== undefined ? { eventId } : {}),
  });
}
