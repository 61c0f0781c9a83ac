import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Where a token could sit in a log object. Redaction is configured here, once, so that no log
 * line can carry a token whatever a call site passes.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  '*.token',
  '*.headers.authorization',
  '*.headers.cookie',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
