import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** What the simulator received, for tests: every request, and how many were answered at once. */

export interface RecordedRequest {
  method: string;
  /** The path as received, undecoded. */
  path: string;
  /** The query string as received, undecoded, without the `?`; '' when none. */
  search: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when it arrived. */
  at: number;
}

export class Recorder {
  readonly requests: RecordedRequest[] = [];
  /** Emits 'request' (a RecordedRequest) as each request arrives, and 'disconnect', so tests wait on events, not sleeps. */
  readonly events = new EventEmitter();
  /** Requests being answered now, and the most at once since the last `clear`, by method. */
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();

  constructor(private readonly keep: boolean) {}

  /** A request arrived; its answer is `res`. */
  arrived(request: RecordedRequest, res: ServerResponse): void {
    const { method } = request;
    const now = (this.inFlight.get(method) ?? 0) + 1;
    this.inFlight.set(method, now);
    if (now > (this.peaks.get(method) ?? 0)) this.peaks.set(method, now);
    res.once('close', () => this.inFlight.set(method, (this.inFlight.get(method) ?? 1) - 1));
    if (!this.keep) return;
    this.requests.push(request);
    this.events.emit('request', request);
  }

  clear(): void {
    this.requests.length = 0;
    this.peaks.clear();
  }

  /** The most requests of `method` that were being answered at once since `clear`. */
  peakInFlight(method: string): number {
    return this.peaks.get(method) ?? 0;
  }

  /** Resolves once `count` requests matching `filter` have arrived (counting those already recorded). */
  received(count: number, filter: (request: RecordedRequest) => boolean = () => true): Promise<void> {
    return new Promise((resolve) => {
      let seen = this.requests.filter(filter).length;
      if (seen >= count) return resolve();
      const onRequest = (request: RecordedRequest) => {
        if (!filter(request) || ++seen < count) return;
        this.events.off('request', onRequest);
        resolve();
      };
      this.events.on('request', onRequest);
    });
  }
}
