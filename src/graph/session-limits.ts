import pLimit, { type LimitFunction } from 'p-limit';

/**
 * A bound on the calls one PVWA session has in flight at once, shared by all its requests: the
 * PATCHes of its bulk mutations, however many it sends side by side, so one session cannot hold
 * every pooled PVWA socket. Keyed by the session key (the token's SHA-256), holding only a
 * counter and a queue of that session's own tasks; an entry is removed as soon as its session has
 * nothing queued or running, so the map is bounded by the sessions at work.
 */
export class SessionLimits {
  private readonly limits = new Map<string, LimitFunction>();

  constructor(private readonly concurrency: number) {}

  run<T>(session: string, task: () => Promise<T>): Promise<T> {
    let limit = this.limits.get(session);
    if (!limit) {
      limit = pLimit(this.concurrency);
      this.limits.set(session, limit);
    }
    const own = limit;
    return own(task).finally(() => {
      if (own.activeCount === 0 && own.pendingCount === 0 && this.limits.get(session) === own) this.limits.delete(session);
    });
  }
}
