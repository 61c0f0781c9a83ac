import { randomBytes } from 'node:crypto';

/**
 * What this replica remembers of logons, so they cannot be used to hammer the PVWA: failed logons
 * per user name and per client address (a sliding window), and the logon challenges it issued
 * (each answers once and dies after a few wrong codes). Tries still waiting on the PVWA count as
 * failures until they end, so a burst of concurrent tries cannot slip past the limit together.
 *
 * Kept in this process only, bounded, and holding no secret: user names, client addresses and
 * random challenge nonces, never a password, code, token or cookie. Nothing in it is returned to a
 * caller but a number of seconds. A load balancer should keep one logon on one replica (the
 * replicas count on their own; docs/OPERATIONS.md).
 */

/** Sliding windows of failure times by key, with the tries in flight; least recently failed key out first. */
class FailureWindows {
  private readonly failures = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Failures of `key` within the window at `now` (older ones are dropped). */
  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (times === undefined) return [];
    const since = now - this.windowMs;
    while (times.length > 0 && times[0] <= since) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  /** Ms until `key` may try again (its tries in flight counted as failures); 0 when it may now. */
  waitMs(key: string, now: number): number {
    const times = this.recent(key, now);
    const flying = this.inFlight.get(key) ?? 0;
    if (times.length + flying < this.max) return 0;
    // Every slot is taken by a try still waiting on the PVWA: it ends within the call's deadline.
    if (flying >= this.max) return 1000;
    return Math.max(1, times[times.length + flying - this.max] + this.windowMs - now);
  }

  begin(key: string): void {
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
  }

  end(key: string, failed: boolean, now: number): void {
    const flying = (this.inFlight.get(key) ?? 1) - 1;
    if (flying > 0) this.inFlight.set(key, flying);
    else this.inFlight.delete(key);
    if (!failed) return;
    const times = this.recent(key, now);
    this.failures.delete(key);
    times.push(now);
    // Only the last `max` matter: a key never holds more.
    if (times.length > this.max) times.shift();
    this.failures.set(key, times);
    if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value as string);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }
}

export interface LogonGuardOptions {
  /** Failed logons of one user name within the window after which its logons wait. */
  maxFailuresPerUser: number;
  /** Failed logons from one client address within the window after which its logons wait. */
  maxFailuresPerAddress: number;
  windowMs: number;
  /** Wrong codes after which a challenge dies. */
  maxWrongCodes: number;
  /** How long a challenge can be answered. */
  challengeTtlMs: number;
  /** Most user names, addresses and challenges remembered, each. */
  maxTracked: number;
  now?: () => number;
}

/** A logon try under way: say how it ended, once. */
export interface LogonTry {
  /** The PVWA refused the password or code. */
  refused(): void;
  /** The PVWA opened a session, or asked for another code. */
  succeeded(): void;
  /** It ended otherwise (the PVWA could not be reached, ...): it counts for nothing. */
  ended(): void;
}

/** An issued challenge: until when it can be answered, its wrong codes, its answers in flight. */
interface Issued {
  expiresAt: number;
  wrongCodes: number;
  answering: number;
}

export class LogonGuard {
  private readonly users: FailureWindows;
  private readonly addresses: FailureWindows;
  /** Challenges issued here and not yet answered or dead, by nonce, oldest first. */
  private readonly challenges = new Map<string, Issued>();
  private readonly now: () => number;

  constructor(private readonly options: LogonGuardOptions) {
    this.users = new FailureWindows(options.maxFailuresPerUser, options.windowMs, options.maxTracked);
    this.addresses = new FailureWindows(options.maxFailuresPerAddress, options.windowMs, options.maxTracked);
    this.now = options.now ?? Date.now;
  }

  /**
   * A logon of `username` from `address` (user names compared without case, as the Vault does):
   * a try that may go to the PVWA, or the seconds until one may (rounded up).
   */
  begin(username: string, address: string | undefined): LogonTry | number {
    const user = username.toLowerCase();
    const now = this.now();
    const ms = Math.max(this.users.waitMs(user, now), address === undefined ? 0 : this.addresses.waitMs(address, now));
    if (ms > 0) return Math.ceil(ms / 1000);
    this.users.begin(user);
    if (address !== undefined) this.addresses.begin(address);
    let done = false;
    const end = (failed: boolean) => {
      if (done) return;
      done = true;
      const at = this.now();
      this.users.end(user, failed, at);
      if (address !== undefined) this.addresses.end(address, failed, at);
    };
    return {
      refused: () => end(true),
      succeeded: () => {
        end(false);
        this.users.clear(user);
      },
      ended: () => end(false),
    };
  }

  /** A new challenge's nonce (sealed into its challengeId). */
  issueChallenge(): string {
    const nonce = randomBytes(16).toString('base64url');
    const now = this.now();
    this.challenges.set(nonce, { expiresAt: now + this.options.challengeTtlMs, wrongCodes: 0, answering: 0 });
    for (const [key, issued] of this.challenges) {
      if (this.challenges.size <= this.options.maxTracked && issued.expiresAt > now) break;
      this.challenges.delete(key);
    }
    return nonce;
  }

  /**
   * An answer to the challenge `nonce`, when it may be given now: issued here, not answered, not
   * dead, and fewer answers under way than wrong codes it has left. Null otherwise.
   */
  answerChallenge(nonce: string): LogonTry | null {
    const issued = this.challenges.get(nonce);
    if (issued === undefined || issued.expiresAt <= this.now() || issued.wrongCodes + issued.answering >= this.options.maxWrongCodes) return null;
    issued.answering++;
    let done = false;
    const end = (outcome: 'refused' | 'succeeded' | 'ended') => {
      if (done) return;
      done = true;
      issued.answering--;
      // Answered rightly (a session, or the next challenge with its own nonce): it answers no more.
      if (outcome === 'succeeded') this.challenges.delete(nonce);
      else if (outcome === 'refused' && ++issued.wrongCodes >= this.options.maxWrongCodes) this.challenges.delete(nonce);
    };
    return { refused: () => end('refused'), succeeded: () => end('succeeded'), ended: () => end('ended') };
  }
}
