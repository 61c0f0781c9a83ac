import { describe, expect, it } from '@jest/globals';
import { ChangeStream, StreamEnded } from '../../src/events/change-stream.js';
import { sortable } from '../../src/events/order.js';
import type { EventChange } from '../../src/events/types.js';
import type { PvwaEvent } from '../../src/pvwa/types.js';

/** ChangeStream on its own, as graphql-js tests mapAsyncIterator: no timers, one tick at a time. */
const change = (id: string): EventChange => ({
  kind: 'CREATED',
  entry: sortable({ id, type: 'T', score: 1, createTime: 1_700_000_000_000, lastUpdateTime: 1_700_000_000_000, mStatus: 'OPEN' } as PvwaEvent),
});
const ids = (results: Array<IteratorResult<EventChange>>) => results.map((result) => (result.done ? 'done' : result.value.entry.event.id));
const tick = () => new Promise((resolve) => setImmediate(resolve));

function stream(maxQueued = 3) {
  const done: ChangeStream[] = [];
  const refused: number[] = [];
  const s = new ChangeStream(() => true, (refusal) => refused.push(refusal), maxQueued, (ended) => done.push(ended));
  return { s, done, refused };
}

describe('ChangeStream', () => {
  it('gives queued changes in order, then waits for the next push', async () => {
    const { s } = stream();
    s.push(change('a'));
    s.push(change('b'));
    expect(ids([await s.next(), await s.next()])).toEqual(['a', 'b']);
    let settled = false;
    const waiting = s.next().then((result) => ((settled = true), result));
    await tick();
    expect(settled).toBe(false);
    s.push(change('c'));
    expect(ids([await waiting])).toEqual(['c']);
  });

  it('return() ends it at once: what is queued is dropped, a waiting next() is done, onDone is told once', async () => {
    const { s, done } = stream();
    const waiting = s.next();
    await expect(s.return()).resolves.toEqual({ value: undefined, done: true });
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    s.push(change('late'));
    await expect(s.next()).resolves.toEqual({ value: undefined, done: true });
    await s.return();
    expect(done).toEqual([s]);
  });

  it('fail() ends it after what is queued, with that error, once', async () => {
    const { s, done } = stream();
    s.push(change('a'));
    const error = new StreamEnded({ code: 'UPSTREAM_UNAVAILABLE', message: 'The PVWA could not be reached.' });
    s.fail(error);
    s.fail(new Error('a second failure is ignored'));
    s.push(change('after the failure'));
    expect(ids([await s.next()])).toEqual(['a']);
    expect(done).toEqual([]);
    await expect(s.next()).rejects.toBe(error);
    expect(done).toEqual([s]);
    await expect(s.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('fail() rejects a next() that is already waiting', async () => {
    const { s, done } = stream();
    const waiting = s.next();
    s.fail(new Error('ended'));
    await expect(waiting).rejects.toThrow('ended');
    expect(done).toEqual([s]);
  });

  it('ends with SLOW_CONSUMER when more than maxQueued changes wait, after those it kept', async () => {
    const { s } = stream(2);
    for (const id of ['a', 'b', 'c', 'd']) s.push(change(id));
    expect(ids([await s.next(), await s.next()])).toEqual(['a', 'b']);
    const error = await s.next().then(() => null, (failure: unknown) => failure);
    expect(error).toBeInstanceOf(StreamEnded);
    expect(error).toMatchObject({ message: 'More than 2 changes were waiting for this subscription: it ended. Subscribe again.', extensions: { code: 'SLOW_CONSUMER' } });
  });

  it('carries the view of its ending as extensions, the message apart', () => {
    const ended = new StreamEnded({ code: 'UNAUTHENTICATED', message: 'The PVWA did not accept the session token.', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
    expect(ended.message).toBe('The PVWA did not accept the session token.');
    expect(ended.extensions).toEqual({ code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS006E' });
  });

  it('is its own async iterator, and tells its socket of a refused session', () => {
    const { s, refused } = stream();
    expect(s[Symbol.asyncIterator]()).toBe(s);
    s.sessionRefused(403);
    expect(refused).toEqual([403]);
  });
});
