import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyStream } from 'pino-pretty';

// pino-pretty is loaded only when asked for: production (JSON) never pays for it.
const loadPretty = () => createRequire(import.meta.url)('pino-pretty') as (options: object) => PrettyStream;

/**
 * Where a token, a password, a cookie or a logon challenge could sit in a log object. Redaction is
 * configured here, once, so that no log line can carry one whatever a call site passes.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'password',
  'cookie',
  'challengeId',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'err.options.headers.authorization',
  'err.options.headers.cookie',
  '*.authorization',
  '*.token',
  '*.password',
  '*.cookie',
  '*.challengeId',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
];

export function createLogger(options: { level: string; format?: 'json' | 'pretty'; destination?: DestinationStream }): Logger {
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? loadPretty()({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ sync: false }));
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
