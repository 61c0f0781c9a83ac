import type { Logger } from 'pino';
import type { OtlpProtocol, Tracing } from './tracing.js';

/**
 * Whether tracing is on, and its start, from the standard OTEL_* variables only: see tracing.ts.
 */

type Env = Readonly<Record<string, string | undefined>>;

const value = (text: string | undefined): string | undefined => (text === undefined || text.trim() === '' ? undefined : text.trim());

/** A value of OTEL_* the gateway cannot honour: start-up stops with this message. */
export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

/**
 * Whether traces are wanted, as the specification's switches say: OTEL_SDK_DISABLED=true and
 * OTEL_TRACES_EXPORTER=none turn them off, OTEL_TRACES_EXPORTER=otlp on (to the default
 * endpoint, http://localhost:4318, unless one is set); otherwise an OTLP endpoint turns them on.
 */
export function tracingWanted(env: Env): boolean {
  if (value(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true') return false;
  const exporters = (value(env.OTEL_TRACES_EXPORTER) ?? '').toLowerCase().split(',').map((name) => name.trim()).filter(Boolean);
  if (exporters.includes('none')) return false;
  const other = exporters.find((name) => name !== 'otlp');
  if (other !== undefined) throw new TracingConfigError(`OTEL_TRACES_EXPORTER=${other} is not supported: use otlp (or none)`);
  if (exporters.includes('otlp')) return true;
  return value(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined || value(env.OTEL_EXPORTER_OTLP_ENDPOINT) !== undefined;
}

/**
 * The encoding: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else
 * http/protobuf. Read here because each OTLP exporter package speaks one encoding only.
 */
export function tracesProtocol(env: Env): OtlpProtocol {
  const protocol = value(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? value(env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? 'http/protobuf';
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  const name = value(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  throw new TracingConfigError(`${name}=${protocol} is not supported: use http/protobuf (the default) or http/json`);
}

export interface TracingOptions {
  /** Where the SDK's own warnings go (an export that failed), at warn. */
  logger: Logger;
  /** `service.version` of the resource. */
  serviceVersion: string;
}

/**
 * Tracing as process.env asks (the SDK's classes read it too, as they are constructed), or
 * undefined when it is off. Throws TracingConfigError for a value the gateway cannot honour. The
 * SDK (sdk.ts) is imported only when tracing is on.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!tracingWanted(process.env)) return undefined;
  const protocol = tracesProtocol(process.env);
  const { createTracing } = await import('./sdk.js');
  return createTracing({ protocol, logger: options.logger, serviceVersion: options.serviceVersion });
}
