import { Writable } from 'node:stream';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTracing } from '../../src/tracing/start.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import type { DecodedSpan, OtlpReceiver } from './otlp-receiver.js';

/** Every OTEL_* variable a test sets, cleared around each start so one test's do not reach another's. */
const OTEL_VARIABLES = [
  'OTEL_SDK_DISABLED', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_EXPORTER_OTLP_TIMEOUT',
];

/**
 * Tracing as main.ts starts it, from these OTEL_* variables (and none other): the SDK reads
 * process.env while it is constructed, so they are set for the start only. The SDK's warnings
 * go to `warnings`, and each to `onWarning` as it is logged.
 */
export async function tracingFrom(env: Record<string, string>, warnings: string[] = [], onWarning?: (line: string) => void): Promise<Tracing | undefined> {
  const saved = Object.fromEntries(OTEL_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of OTEL_VARIABLES) delete process.env[name];
  Object.assign(process.env, env);
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      warnings.push(chunk.toString('utf8'));
      onWarning?.(chunk.toString('utf8'));
      callback();
    },
  });
  try {
    return await startTracing({ logger: createLogger({ level: 'warn', destination }), serviceVersion: '0.1.0' });
  } finally {
    for (const name of OTEL_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

/** Tracing that exports to `receiver` in `protocol`, its batches sent every 10 ms. */
export async function tracingTo(receiver: OtlpReceiver, protocol = 'http/protobuf', env: Record<string, string> = {}): Promise<Tracing> {
  const tracing = await tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_SCHEDULE_DELAY: '10', ...env });
  if (!tracing) throw new Error('tracing did not start');
  return tracing;
}

/** The spans of one trace, by name (each name once: a test that expects two of a name uses `named`). */
export function byName(spans: DecodedSpan[]): Record<string, DecodedSpan> {
  return Object.fromEntries(spans.map((span) => [span.name, span]));
}

/** OTLP's span kinds and status codes, as the decoder gives them. */
export const KIND = { internal: 1, server: 2, client: 3 } as const;
export const STATUS = { unset: 0, ok: 1, error: 2 } as const;
