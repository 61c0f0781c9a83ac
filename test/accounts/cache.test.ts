import { describe, expect, it } from '@jest/globals';
import { AccountCache } from '../../src/accounts/cache.js';
import type { VaultAccountRead } from '../../src/pvwa/vault.js';

const read = (id: string, name = id, bytes = 100): VaultAccountRead => ({ account: { id, name }, bytes });

/** A cache on a clock the test moves, and the fetches it made. */
function cacheWith(options: { ttlMs?: number; maxEntries?: number; maxBytes?: number } = {}) {
  let now = 1_000_000;
  const cache = new AccountCache({ ttlMs: 30_000, ...options, now: () => now });
  const fetched: string[] = [];
  const get = (session: string, id: string, answer = read(id, `${session}:${id}`)) =>
    cache.read(session, id, async () => {
      fetched.push(`${session}:${id}`);
      return answer;
    });
  return { cache, fetched, get, advance: (ms: number) => (now += ms) };
}

describe('AccountCache', () => {
  it('serves a session its own read again until the TTL has passed, then reads again', async () => {
    const { fetched, get, advance } = cacheWith();
    expect(await get('s1', '1_1')).toEqual({ id: '1_1', name: 's1:1_1' });
    advance(29_999);
    expect(await get('s1', '1_1')).toEqual({ id: '1_1', name: 's1:1_1' });
    advance(1);
    await get('s1', '1_1');
    expect(fetched).toEqual(['s1:1_1', 's1:1_1']);
  });

  it('never serves one session what another read', async () => {
    const { fetched, get } = cacheWith();
    await get('s1', '1_1');
    expect(await get('s2', '1_1')).toEqual({ id: '1_1', name: 's2:1_1' });
    expect(await get('s1', '1_1')).toEqual({ id: '1_1', name: 's1:1_1' });
    expect(fetched).toEqual(['s1:1_1', 's2:1_1']);
  });

  it('drops every account of a session that ended, and only that session\'s', async () => {
    const { cache, fetched, get } = cacheWith();
    await get('s1', '1_1');
    await get('s1', '2_1');
    await get('s2', '1_1');
    cache.dropSession('s1');
    expect(cache.stats).toEqual({ entries: 1, bytes: 100 });
    await get('s1', '1_1');
    await get('s2', '1_1');
    expect(fetched).toEqual(['s1:1_1', 's1:2_1', 's2:1_1', 's1:1_1']);
  });

  it('keeps nothing a read brought back after a session ended while it was under way', async () => {
    const { cache, fetched, get } = cacheWith();
    let answer!: (value: VaultAccountRead) => void;
    const pending = cache.read('s1', '1_1', () => new Promise((resolve) => (answer = resolve)));
    cache.dropSession('s1');
    answer(read('1_1'));
    expect(await pending).toEqual({ id: '1_1', name: '1_1' });
    expect(cache.stats).toEqual({ entries: 0, bytes: 0 });
    await get('s1', '1_1');
    expect(fetched).toEqual(['s1:1_1']);
  });

  it('keeps no failure, and nothing at all with a TTL of 0', async () => {
    const { cache } = cacheWith();
    await expect(cache.read('s1', '1_1', () => Promise.reject(new Error('403')))).rejects.toThrow('403');
    expect(cache.stats.entries).toBe(0);
    const off = cacheWith({ ttlMs: 0 });
    await off.get('s1', '1_1');
    await off.get('s1', '1_1');
    expect(off.fetched).toEqual(['s1:1_1', 's1:1_1']);
    expect(off.cache.stats).toEqual({ entries: 0, bytes: 0 });
  });

  it('does not keep an account the CPM is working on', async () => {
    const { fetched, get } = cacheWith();
    const inProcess = { account: { id: '1_1', secretManagement: { status: 'inProcess' } }, bytes: 100 };
    await get('s1', '1_1', inProcess);
    await get('s1', '1_1', inProcess);
    expect(fetched).toEqual(['s1:1_1', 's1:1_1']);
  });

  it('forgets one account of one session on drop', async () => {
    const { cache, fetched, get } = cacheWith();
    await get('s1', '1_1');
    await get('s1', '2_1');
    cache.drop('s1', '1_1');
    await get('s1', '1_1');
    await get('s1', '2_1');
    expect(fetched).toEqual(['s1:1_1', 's1:2_1', 's1:1_1']);
  });

  it('holds at most maxEntries and maxBytes, dropping the oldest first; an answer over maxBytes is not kept', async () => {
    const { cache, fetched, get } = cacheWith({ maxEntries: 3, maxBytes: 1_000 });
    for (const id of ['1_1', '2_1', '3_1', '4_1']) await get('s1', id);
    expect(cache.stats).toEqual({ entries: 3, bytes: 300 });
    await get('s1', '1_1'); // the oldest was dropped
    await get('s1', '4_1'); // still kept
    expect(fetched).toEqual(['s1:1_1', 's1:2_1', 's1:3_1', 's1:4_1', 's1:1_1']);

    await get('s2', '9_1', read('9_1', 'big', 800)); // 300 + 800 > 1,000: the oldest goes, and it fits
    expect(cache.stats).toEqual({ entries: 3, bytes: 1_000 });
    await get('s2', '8_1', read('8_1', 'huge', 1_001));
    expect(cache.stats).toEqual({ entries: 3, bytes: 1_000 });
    await get('s2', '8_1', read('8_1', 'huge', 1_001));
    expect(fetched.slice(-2)).toEqual(['s2:8_1', 's2:8_1']);
  });

  it('drops expired entries before younger ones when it has to make room', async () => {
    const { cache, get, advance } = cacheWith({ maxEntries: 10 });
    await get('s1', '1_1');
    advance(30_000);
    await get('s1', '2_1');
    expect(cache.stats).toEqual({ entries: 1, bytes: 100 });
  });
});
