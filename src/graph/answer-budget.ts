import { gatewayBusy } from '../errors.js';

/**
 * The bytes of answers being built or written at once, bounded for the whole gateway and for each
 * PVWA session. An operation reserves its estimated answer (operation-limits.ts) before it runs
 * and holds it until its answer has been written (or its client is gone); one whose answer turns
 * out larger takes the difference then. Operations that do not fit wait, let in by order of
 * arrival as room frees up (skipping those that still do not fit), for at most `maxWaitMs`; then
 * they are refused with GATEWAY_BUSY. So many large answers at once cost time, not the process.
 *
 * Keyed by the session key (the token's SHA-256) and holding only byte counts: nothing in it is a
 * session's data, and a session's entry is removed when its last reservation ends, so the map is
 * bounded by the operations running.
 */

export interface AnswerBudgetOptions {
  totalBytes: number;
  perSessionBytes: number;
  /** How long an operation may wait for room. */
  maxWaitMs: number;
}

/** Bytes held until `release()` (once; later calls do nothing). */
export interface AnswerReservation {
  /** The answer is known to be `bytes`: hold that many, without waiting (more than the bound if need be). */
  resize(bytes: number): void;
  release(): void;
}

interface Waiter {
  session: string | null;
  bytes: number;
  grant: () => void;
}

export class AnswerBudget {
  private used = 0;
  private readonly bySession = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: AnswerBudgetOptions) {}

  /** Bytes held now, in all and by sessions (for metrics and tests). */
  get stats(): { bytes: number; sessions: number; waiting: number } {
    return { bytes: this.used, sessions: this.bySession.size, waiting: this.waiting.length };
  }

  /**
   * Room for an answer of about `bytes` for `session` (null: a request without a session, which
   * counts against the total only). Resolves once held; rejects with GATEWAY_BUSY after the wait.
   */
  reserve(session: string | null, bytes: number): Promise<AnswerReservation> {
    // No answer is larger than a bound: one that is still runs alone (its estimate was allowed).
    const need = Math.min(bytes, this.options.totalBytes, this.options.perSessionBytes);
    if (this.fits(session, need)) return Promise.resolve(this.hold(session, need));
    return new Promise<AnswerReservation>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(waiter);
        if (at === -1) return;
        this.waiting.splice(at, 1);
        const sessionFull = session !== null && (this.bySession.get(session) ?? 0) + need > this.options.perSessionBytes;
        reject(gatewayBusy(sessionFull ? 'session' : 'gateway', 1));
        this.grant();
      }, this.options.maxWaitMs);
      timer.unref();
      const waiter: Waiter = {
        session,
        bytes: need,
        grant: () => {
          clearTimeout(timer);
          resolve(this.hold(session, need));
        },
      };
      this.waiting.push(waiter);
    });
  }

  private fits(session: string | null, bytes: number): boolean {
    if (this.used + bytes > this.options.totalBytes) return false;
    return session === null || (this.bySession.get(session) ?? 0) + bytes <= this.options.perSessionBytes;
  }

  private hold(session: string | null, bytes: number): AnswerReservation {
    let held = 0;
    let released = false;
    const change = (delta: number) => {
      held += delta;
      this.used += delta;
      if (session === null) return;
      const now = (this.bySession.get(session) ?? 0) + delta;
      if (now > 0) this.bySession.set(session, now);
      else this.bySession.delete(session);
    };
    change(bytes);
    return {
      resize: (actual) => {
        if (!released && actual > held) change(actual - held);
      },
      release: () => {
        if (released) return;
        released = true;
        change(-held);
        this.grant();
      },
    };
  }

  /** Lets in the waiters that fit now, in order; one that does not fit holds those behind it of its session. */
  private grant(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const waiter = this.waiting[i];
      if (this.fits(waiter.session, waiter.bytes)) {
        this.waiting.splice(i, 1);
        waiter.grant();
      } else {
        i++;
      }
    }
  }
}
