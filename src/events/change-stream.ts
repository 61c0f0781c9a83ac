import type { TokenRefusal } from '../pvwa/errors.js';
import type { Span } from '../tracing/tracing.js';
import type { EventChange, SortedEvent } from './types.js';

/**
 * Why a subscription's stream ended early, as its client is told: a code and a message (an
 * ErrorView of errors.ts). Not a GraphQLError, so the event store stays free of GraphQL: graphql-ws
 * wraps what a stream throws in a GraphQLError, which takes over `extensions` (the code), and the
 * gateway's formatError shows it like any other error with one of the gateway's codes.
 */
export class StreamEnded extends Error {
  override readonly name = 'StreamEnded';
  readonly extensions: Record<string, unknown>;

  constructor(view: { code: string; message: string; upstreamStatus?: number; pvwaErrorCode?: string }) {
    const { message, ...extensions } = view;
    super(message);
    this.extensions = extensions;
  }
}

/** How a subscription's socket is told that the PVWA refused its session (the socket closes). */
export type SessionRefused = (refusal: TokenRefusal) => void;

/**
 * One subscription's stream: a bounded queue the live hub pushes into and graphql-ws reads from.
 * Hand-written (about forty lines) because it must be bounded, end with an error that carries a
 * code, and unregister itself when the client stops it; a topic-based PubSub
 * (graphql-subscriptions) or events.on() does none of the three.
 *
 * Its contract (test/events/change-stream.test.ts): `next()` gives queued changes in order, then
 * waits; `fail()` ends it after what is queued, with that error, once; `return()` ends it at once,
 * dropping what is queued; after either, `next()` is done; `onDone` is told once, whichever ended it.
 */
export class ChangeStream implements AsyncIterableIterator<EventChange> {
  private readonly queue: EventChange[] = [];
  private waiting: { resolve: (result: IteratorResult<EventChange>) => void; reject: (error: Error) => void } | null = null;
  private ending: Error | null = null;
  private done = false;

  constructor(
    readonly matches: (entry: SortedEvent) => boolean,
    readonly sessionRefused: SessionRefused,
    private readonly maxQueued: number,
    private readonly onDone: (stream: ChangeStream) => void,
    /** The subscription's span, when tracing is on. */
    readonly span?: Span,
  ) {}

  push(change: EventChange): void {
    if (this.done || this.ending) return;
    if (this.waiting) {
      this.waiting.resolve({ value: change, done: false });
      this.waiting = null;
    } else if (this.queue.length < this.maxQueued) {
      this.queue.push(change);
    } else {
      this.fail(new StreamEnded({ code: 'SLOW_CONSUMER', message: `More than ${this.maxQueued} changes were waiting for this subscription: it ended. Subscribe again.` }));
    }
  }

  /** Ends the stream with an error, after what is already queued. */
  fail(error: Error): void {
    if (this.done || this.ending) return;
    this.ending = error;
    if (this.waiting && this.queue.length === 0) {
      this.waiting.reject(error);
      this.waiting = null;
      this.ending = null;
      this.finish();
    }
  }

  next(): Promise<IteratorResult<EventChange>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.ending) {
      // Told once: after it, the stream is done.
      const error = this.ending;
      this.ending = null;
      this.finish();
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<EventChange>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = null;
    this.onDone(this);
  }
}
