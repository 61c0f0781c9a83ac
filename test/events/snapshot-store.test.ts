import { afterEach, describe, expect, it } from '@jest/globals';
import type { PvwaEventList } from '../../src/pvwa/client.js';
import type { PvwaEventQuery } from '../../src/pvwa/types.js';
import { SnapshotStore } from '../../src/events/snapshot-store.js';
import type { EventChange } from '../../src/events/types.js';

/** The store on its own: its upstream is a function (the client's getEvents bound to a token). */
const event = (id: string, time: number, status = 'OPEN') => ({ id, type: 'T', score: 1, createTime: time, lastUpdateTime: time, mStatus: status });
const list = (...items: unknown[]): PvwaEventList => ({ items, bytes: JSON.stringify(items).length });

describe('SnapshotStore', () => {
  let store: SnapshotStore;
  afterEach(() => store.close());

  it('a delta that re-sends an event with the same time replaces it in place, order kept', async () => {
    store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10, maxBytes: 1e9 });
    const queries: PvwaEventQuery[] = [];
    const answers = [list(event('c', 1_700_000_300_000), event('b', 1_700_000_200_000), event('a', 1_700_000_100_000)), list(event('c', 1_700_000_300_000, 'CLOSED'))];
    const fetch = async (query: PvwaEventQuery) => (queries.push(query), answers.shift()!);
    const first = await store.read('s', undefined, performance.now(), fetch);
    const second = await store.read('s', undefined, performance.now(), fetch);
    expect(queries).toEqual([{}, { fromUpdateDate: 1_700_000_300_000 - 10 }]);
    expect(second.kind).toBe('delta');
    expect(second.events.map((e) => [e.event.id, e.status])).toEqual([['c', 'CLOSED'], ['b', 'OPEN'], ['a', 'OPEN']]);
    // The first read's page is its own: a later change does not reach into it.
    expect(first.events.map((e) => e.status)).toEqual(['OPEN', 'OPEN', 'OPEN']);
  });

  it('writes a session\'s closes through in place: every write a new version, pages already read keep theirs', async () => {
    store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10, maxBytes: 1e9 });
    const answer = list(event('c', 1_700_000_300_000), event('b', 1_700_000_200_000), event('a', 1_700_000_100_000));
    const first = await store.read('s', undefined, performance.now(), async () => answer);
    // Two writes with no read between them (the second in the array the first made), then one
    // that repeats the first exactly: still a new version (the session's own write is a change).
    store.writeThrough('s', event('b', 1_700_000_200_000, 'CLOSED') as never);
    store.writeThrough('s', event('a', 1_700_000_100_000, 'CLOSED') as never);
    const second = await store.read('s', undefined, performance.now(), async () => list());
    store.writeThrough('s', event('a', 1_700_000_100_000, 'CLOSED') as never);
    store.writeThrough('s', event('c', 1_700_000_300_000, 'CLOSED') as never);
    const third = await store.read('s', undefined, performance.now(), async () => list());
    expect([first, second, third].map((read) => read.events.map((e) => [e.event.id, e.status]))).toEqual([
      [['c', 'OPEN'], ['b', 'OPEN'], ['a', 'OPEN']],
      [['c', 'OPEN'], ['b', 'CLOSED'], ['a', 'CLOSED']],
      [['c', 'CLOSED'], ['b', 'CLOSED'], ['a', 'CLOSED']],
    ]);
    expect(new Set([first.version, second.version, third.version]).size).toBe(3);
  });

  it('tells a watcher of CREATED and UPDATED events, and its own writes, never another session of them', async () => {
    store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10, maxBytes: 1e9 });
    const seen: Record<string, EventChange[]> = { s: [], t: [] };
    store.watch('s', (changes) => seen.s.push(...changes));
    store.watch('t', (changes) => seen.t.push(...changes));
    const answers = [list(event('a', 1_700_000_100_000)), list(event('a', 1_700_000_100_000), event('b', 1_700_000_200_000)), list(event('b', 1_700_000_200_500, 'CLOSED'))];
    const fetch = async () => answers.shift()!;
    for (let i = 0; i < 3; i++) await store.read('s', undefined, performance.now(), fetch);
    store.writeThrough('s', event('a', 1_700_000_100_000, 'CLOSED') as never);
    expect(seen.s.map((c) => [c.kind, c.entry.event.id, c.entry.status])).toEqual([
      ['CREATED', 'b', 'OPEN'],
      ['UPDATED', 'b', 'CLOSED'],
      ['UPDATED', 'a', 'CLOSED'],
    ]);
    expect(seen.t).toEqual([]);
  });

  it('a watched session loses no change when its snapshot is dropped and made again, and repeats none', async () => {
    store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10, maxBytes: 1e9 });
    const fetch = (answer: PvwaEventList) => async () => answer;
    await store.read('s', undefined, performance.now(), fetch(list(event('a', 1_700_000_100_000), event('b', 1_700_000_200_000))));
    const seen: EventChange[] = [];
    store.watch('s', (changes) => seen.push(...changes));
    // Dropped (the budget, or a 403 to another call); the next read is a full one without a snapshot to compare with.
    store.dropSession('s');
    await store.read('s', undefined, performance.now(), fetch(list(event('a', 1_700_000_100_000), event('b', 1_700_000_200_000), event('c', 1_700_000_300_000))));
    expect(seen.map((c) => [c.kind, c.entry.event.id])).toEqual([['CREATED', 'c']]);
  });

  it('keeps its byte count right when a snapshot is dropped while its GET runs and made again meanwhile', async () => {
    store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10, maxBytes: 1e9 });
    let release!: (answer: PvwaEventList) => void;
    const slow = store.read('s', undefined, performance.now(), () => new Promise<PvwaEventList>((resolve) => (release = resolve)));
    store.dropSession('s');
    await store.read('s', undefined, performance.now(), async () => list(event('a', 1_700_000_100_000)));
    release(list(event('a', 1_700_000_100_000), event('b', 1_700_000_200_000)));
    await slow;
    store.dropSession('s');
    expect(store.stats).toEqual({ snapshots: 0, bytes: 0 });
  });

  it('gives a snapshot made again a version its predecessor never had', async () => {
    store = new SnapshotStore({ maxAgeMs: 60_000, overlapMs: 10, maxBytes: 1e9 });
    const first = await store.read('s', undefined, performance.now(), async () => list(event('a', 1_700_000_100_000, 'CLOSED')));
    store.dropSession('s');
    const second = await store.read('s', undefined, performance.now(), async () => list(event('a', 1_700_000_100_000, 'OPEN')));
    expect(second.version).not.toBe(first.version);
  });
});
