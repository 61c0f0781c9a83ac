import type { Logger } from 'pino';
import { badUserInput, rateLimited } from '../errors.js';
import type { PvwaApi, PvwaCaller, PvwaPort } from '../pvwa/client.js';
import { PvwaError } from '../pvwa/errors.js';
import type { LogonAnswer, LogonRequest } from '../pvwa/types.js';
import type { CookieSession, Credentials } from './credentials.js';
import type { LogonGuard, LogonTry } from './logon-guard.js';
import { clearedSessionCookie, cookieValues, SESSION_COOKIE, sessionCookie } from './cookie.js';
import { CHALLENGE_TTL_MS, openChallenge, openSession, Sealer, sealChallenge, sealSession, SessionSecret } from './seal.js';

/**
 * Sessions for browsers and apps: logon (RADIUS challenges included) and logoff through the
 * gateway, and the session cookie. Stateless: a cookie holds the sealed token, a challengeId the
 * sealed challenge state, so any replica with the same SESSION_SECRET continues what another began.
 */

/**
 * Why a PVWA session ended: the caller logged off, or the PVWA refused its token (401: rejected,
 * 403: forbidden).
 */
export type SessionEndReason = 'logoff' | 'rejected' | 'forbidden';
/** Told of each PVWA session that ended, with its token: the hook for whatever is kept per session. */
export type SessionEndedListener = (token: string, reason: SessionEndReason) => void;

/** Where the session of a successful logon is handed to the client. */
export type SessionDelivery = 'TOKEN' | 'COOKIE';

/** A logon as the `logon` mutation takes it (the graph's LogonInput). */
export interface LogonCredentials {
  method?: LogonRequest['method'] | null;
  username: string;
  password: string;
  delivery?: SessionDelivery | null;
  concurrentSession?: boolean | null;
}

/** What a logon step gave: a session, or a challenge to answer (the graph's LogonResult). */
export type LogonOutcome = { delivery: SessionDelivery; token: string | null } | { challengeId: string; message: string };

/** What the logon mutations need, for one request. */
export interface LogonApi {
  logon(input: LogonCredentials): Promise<LogonOutcome>;
  respondToChallenge(challengeId: string, response: string, delivery: SessionDelivery): Promise<LogonOutcome>;
  logoff(): Promise<boolean>;
}

/** One request's side of it: who asks, the cookies to answer, the PVWA client bound to its token. */
export interface LogonScope {
  caller: Omit<PvwaCaller, 'token'>;
  credentials: Credentials;
  /** The client's address (its TCP peer), for the logon throttle. */
  clientAddress?: string;
  /** Set-Cookie values of the response (written by the /graphql route). */
  responseCookies: string[];
  /** The PVWA client bound to the request's token; throws UNAUTHENTICATED when there is none. */
  pvwa(): PvwaApi;
}

export interface LogonOptions {
  secret: SessionSecret;
  /** Failed logons and issued challenges of this replica. */
  guard: LogonGuard;
  maxAgeMs: number;
  secureCookie: boolean;
  pvwa: Pick<PvwaPort, 'logon'>;
  sessionEnded: SessionEndedListener;
}

/** Logon, logoff and the session cookie: who the caller is. */
export class LogonService {
  private readonly sealer: Sealer;

  constructor(private readonly options: LogonOptions) {
    this.sealer = new Sealer(options.secret);
  }

  /** The session a Cookie header carries. */
  fromCookie(header: string | undefined): CookieSession {
    const values = cookieValues(header, SESSION_COOKIE);
    const now = Date.now();
    for (const value of values) {
      const session = openSession(this.sealer, value, now, this.options.maxAgeMs);
      if (session !== null) return { token: session.token, stale: false, expiresAt: session.issuedAt + this.options.maxAgeMs };
    }
    return { token: null, stale: values.length > 0 };
  }

  bind(request: LogonScope): LogonApi {
    return {
      logon: (input) => this.logon(request, input),
      respondToChallenge: (challengeId, response, delivery) => this.respondToChallenge(request, challengeId, response, delivery),
      logoff: () => this.logoff(request),
    };
  }

  private async logon(request: LogonScope, input: LogonCredentials): Promise<LogonOutcome> {
    requireText(input.username, 'input.username');
    requireText(input.password, 'input.password');
    const logon: LogonRequest = {
      method: input.method ?? 'CYBERARK',
      username: input.username,
      password: input.password,
      concurrentSession: input.concurrentSession ?? false,
    };
    const answer = await this.tryLogon(request, logon);
    return this.result(request, answer, logon, input.delivery ?? 'TOKEN');
  }

  private async respondToChallenge(request: LogonScope, challengeId: string, response: string, delivery: SessionDelivery): Promise<LogonOutcome> {
    // One message whatever the reason (altered, expired, issued by another replica, answered, or
    // dead after wrong codes): which one it was is no caller's business.
    const invalid = () => badUserInput('The logon challenge is invalid, has expired or was already answered; log on again.', { argument: 'challengeId' });
    const state = openChallenge(this.sealer, challengeId, Date.now());
    if (state === null) throw invalid();
    requireText(response, 'response');
    const answering = this.options.guard.answerChallenge(state.nonce);
    if (answering === null) throw invalid();
    const logon: LogonRequest = { method: state.method, username: state.username, password: response, cookies: state.cookies };
    const answer = await this.tryLogon(request, logon, answering);
    return this.result(request, answer, logon, delivery);
  }

  /**
   * One Logon call, unless this user name or client address failed too often lately
   * (RATE_LIMITED, no PVWA call). A refusal counts against both (and against the challenge it
   * answers); a session clears the user's count.
   */
  private async tryLogon(request: LogonScope, logon: LogonRequest, challenge?: LogonTry): Promise<LogonAnswer> {
    const attempt = this.options.guard.begin(logon.username, request.clientAddress);
    if (typeof attempt === 'number') {
      challenge?.ended();
      throw rateLimited(attempt);
    }
    const tries = challenge ? [attempt, challenge] : [attempt];
    try {
      const answer = await this.options.pvwa.logon(logon, request.caller);
      for (const one of tries) one.succeeded();
      return answer;
    } catch (error) {
      const refused = error instanceof PvwaError && error.failure === 'refused';
      for (const one of tries) (refused ? one.refused() : one.ended());
      throw error;
    }
  }

  /** A token is delivered as asked; a challenge is sealed with what answering it needs. */
  private result(request: LogonScope, answer: LogonAnswer, logon: LogonRequest, delivery: SessionDelivery): LogonOutcome {
    if ('challenge' in answer) {
      const challengeId = sealChallenge(this.sealer, {
        nonce: this.options.guard.issueChallenge(),
        username: logon.username,
        method: logon.method,
        cookies: mergeCookies(logon.cookies ?? [], answer.cookies),
        expiresAt: Date.now() + CHALLENGE_TTL_MS,
      });
      return { challengeId, message: answer.challenge };
    }
    const { secureCookie } = this.options;
    if (delivery === 'COOKIE') {
      request.responseCookies.push(sessionCookie(sealSession(this.sealer, answer.token, Date.now()), secureCookie));
      return { delivery, token: null };
    }
    // A stale cookie would only be refused on the next request without Authorization.
    if (request.credentials.stale) request.responseCookies.push(clearedSessionCookie(secureCookie));
    return { delivery, token: answer.token };
  }

  /**
   * Ends the session upstream. The cookie is cleared when the session was the cookie's, or the
   * cookie was stale, even when the PVWA's Logoff fails (the failure is still answered).
   */
  private async logoff(request: LogonScope): Promise<boolean> {
    const { credentials } = request;
    if (credentials.fromCookie || credentials.stale) request.responseCookies.push(clearedSessionCookie(this.options.secureCookie));
    await request.pvwa().logoff();
    if (credentials.token !== null) this.options.sessionEnded(credentials.token, 'logoff');
    return true;
  }
}

/** BAD_USER_INPUT for an empty credential: the PVWA is not asked (a failed logon can count against a lockout). */
function requireText(value: string, argument: string): void {
  if (value === '') throw badUserInput(`\`${argument}\` must not be empty.`, { argument });
}

/** The cookies to send with the next answer: the earlier ones, replaced or added to by the latest answer's. */
function mergeCookies(earlier: string[], latest: string[]): string[] {
  const byName = new Map<string, string>();
  for (const pair of [...earlier, ...latest]) byName.set(pair.slice(0, pair.indexOf('=')), pair);
  return [...byName.values()];
}

/** The gateway's logons, sealed with `secret`, or in development without one, a secret of this process. */
export function createLogonService(options: Omit<LogonOptions, 'secret'> & { secret: SessionSecret | undefined }, logger: Logger): LogonService {
  let { secret } = options;
  if (secret === undefined) {
    secret = SessionSecret.random();
    logger.warn('SESSION_SECRET is unset: session cookies and logon challenges are sealed with a secret made for this process, which another replica or a restart cannot open');
  }
  return new LogonService({ ...options, secret });
}
