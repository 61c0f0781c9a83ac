import type { Logger } from 'pino';
import { unauthenticated } from './errors.js';
import { createLoaders, type Loaders, type Warning } from './graph/loaders.js';
import type { PvwaApi, PvwaClient } from './pvwa/client.js';
import type { Credentials, SessionApi, Sessions } from './sessions/logon.js';
import type { RequestRecord } from './telemetry/record.js';

/** Everything a resolver may use, for one request only. */
export interface GraphContext {
  /** The request's id and what its log line will say. */
  record: RequestRecord;
  logger: Logger;
  /**
   * The PVWA client bound to the caller's token (Authorization, else a valid session cookie);
   * throws UNAUTHENTICATED when there is none.
   */
  pvwa(): PvwaApi;
  /** Logon, challenges and logoff, for this request. */
  readonly session: SessionApi;
  /** The request's DataLoaders, made on first use. */
  readonly loaders: Loaders;
  /** Warnings for the response's `extensions.warnings`. */
  warnings: Warning[];
}

const BEARER = /^bearer(?:\s+|$)/i;

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

/**
 * A class, not an object literal, for Apollo Server's sake: it clones the context of every
 * request with `Object.assign(Object.create(prototype), context)`, which would run an own getter
 * (and build the loaders of every mutation); a getter on the prototype is only run when used.
 */
class RequestContext implements GraphContext {
  readonly warnings: Warning[] = [];
  private api: PvwaApi | undefined;
  private lazyLoaders: Loaders | undefined;

  constructor(
    readonly record: RequestRecord,
    readonly logger: Logger,
    private readonly client: PvwaClient,
    private readonly sessions: Sessions,
    private readonly credentials: Credentials,
    private readonly responseCookies: string[],
  ) {}

  pvwa(): PvwaApi {
    const { token, stale } = this.credentials;
    // A stale cookie (and no Authorization) is refused here, before any PVWA call.
    if (token === null) throw unauthenticated(stale ? 'invalid' : 'none');
    return (this.api ??= this.client.bind({ token, requestId: this.record.requestId, observer: this.record }));
  }

  get session(): SessionApi {
    return this.sessions.bind({
      caller: { requestId: this.record.requestId, observer: this.record },
      credentials: this.credentials,
      responseCookies: this.responseCookies,
      pvwa: () => this.pvwa(),
    });
  }

  get loaders(): Loaders {
    return (this.lazyLoaders ??= createLoaders(() => this.pvwa(), this.warnings, this.logger));
  }
}

/**
 * The request's token comes from Authorization when present, else from a valid session cookie.
 * `responseCookies` collects the Set-Cookie values of the answer.
 */
export function createContext(options: {
  authorization: string | undefined;
  cookie: string | undefined;
  record: RequestRecord;
  client: PvwaClient;
  sessions: Sessions;
  responseCookies: string[];
  logger: Logger;
}): GraphContext {
  const { record, logger, client, sessions, responseCookies } = options;
  const token = tokenFrom(options.authorization);
  let credentials: Credentials = { token, stale: false, fromCookie: false };
  if (token === null) {
    const fromCookie = sessions.fromCookie(options.cookie);
    credentials = { ...fromCookie, fromCookie: fromCookie.token !== null };
  }
  return new RequestContext(record, logger, client, sessions, credentials, responseCookies);
}
