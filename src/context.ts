import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { unauthenticated } from './errors.js';
import { createLoaders, type Loaders, type Warning } from './graph/loaders.js';
import type { PvwaApi, PvwaClient } from './pvwa/client.js';

/** What the request's log line and metrics say about it; filled in as the request runs. */
export interface RequestRecord {
  requestId: string;
  operationName: string | null;
  operationType: string | null;
  /** OK, or the code of the first error. */
  outcome: string;
  upstreamCalls: number;
  upstreamMs: number;
}

export function newRequestRecord(requestId: string): RequestRecord {
  return { requestId, operationName: null, operationType: null, outcome: 'OK', upstreamCalls: 0, upstreamMs: 0 };
}

/** Everything a resolver may use, for one request only. */
export interface GraphContext {
  /** The request's id and what its log line will say. */
  record: RequestRecord;
  logger: Logger;
  /** The PVWA client bound to the caller's token; throws UNAUTHENTICATED when there is none. */
  pvwa(): PvwaApi;
  /** The request's DataLoaders, made on first use. */
  readonly loaders: Loaders;
  /** Warnings for the response's `extensions.warnings`. */
  warnings: Warning[];
}

const BEARER = /^bearer(?:\s+|$)/i;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The caller's PVWA token from the Authorization header: the raw value, or the value after
 * `Bearer `. A token still wrapped in the JSON quotes of the Logon answer is unwrapped, as the
 * PVWA would refuse it. Null when there is none.
 */
export function tokenFrom(authorization: string | undefined): string | null {
  if (!authorization) return null;
  let token = authorization.trim().replace(BEARER, '');
  if (token.length >= 2 && token.startsWith('"') && token.endsWith('"')) token = token.slice(1, -1);
  return token === '' ? null : token;
}

/** The caller's X-Request-Id when it is sane, else a new one. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && REQUEST_ID.test(header) ? header : randomUUID();
}

export function createContext(options: {
  authorization: string | undefined;
  record: RequestRecord;
  client: PvwaClient;
  logger: Logger;
}): GraphContext {
  const { record } = options;
  const token = tokenFrom(options.authorization);
  let api: PvwaApi | undefined;
  let loaders: Loaders | undefined;
  const pvwa = (): PvwaApi => {
    if (token === null) throw unauthenticated();
    return (api ??= options.client.bind({
      token,
      requestId: record.requestId,
      onCall: (call) => {
        record.upstreamCalls++;
        record.upstreamMs += call.durationMs;
      },
    }));
  };
  const warnings: Warning[] = [];
  return {
    record,
    logger: options.logger,
    pvwa,
    warnings,
    get loaders() {
      return (loaders ??= createLoaders(pvwa, warnings, options.logger));
    },
  };
}
