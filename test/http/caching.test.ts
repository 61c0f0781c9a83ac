import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';
import { getUrl, rawRequest, type RawAnswer } from '../support/http.js';

// HTTP caching of /graphql answers (README: Compression and caching): a GET's answer carries a
// strong ETag of its bytes and revalidates (If-None-Match: 304 without a body, after the read);
// a POST's is never stored.

const QUERY = '{ securityEvents(first: 20) { totalCount nodes { id status lastUpdateTime } } }';
const OWNER = 'etag-owner';
/** The expected ETag: 128 bits of the SHA-256 of the bytes, base64url, the coding appended. */
const etagOf = (body: Buffer, encoding?: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}${encoding ? `-${encoding}` : ''}"`;

describe('caching headers of /graphql answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'info' });
    h.sim.setEvents(OWNER, h.sim.eventsOf(DEMO_TOKEN));
  });
  afterAll(() => h.close());

  /** A GET of QUERY by the session OWNER (a token, with Apollo's preflight header). */
  const get = (headers: Record<string, string> = {}): Promise<RawAnswer> =>
    rawRequest(getUrl(h.gateway.url, QUERY), { headers: { authorization: OWNER, 'apollo-require-preflight': '1', ...headers } });

  it('gives a GET\'s answer a strong ETag of its bytes and Cache-Control: private, no-cache', async () => {
    const answer = await get();
    expect(answer.status).toBe(200);
    expect(answer.headers.etag).toBe(etagOf(answer.body));
    expect(answer.headers['cache-control']).toBe('private, no-cache');
    expect(JSON.parse(answer.body.toString('utf8')).data.securityEvents.totalCount).toBe(40);
  });

  it('answers If-None-Match with the current ETag 304 without a body, after reading the PVWA', async () => {
    const { headers } = await get();
    const etag = String(headers.etag);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      h.sim.clearRequests();
      const revalidated = await get({ 'if-none-match': ifNoneMatch });
      expect(revalidated.status).toBe(304);
      expect(revalidated.body.length).toBe(0);
      expect(revalidated.headers).toMatchObject({ etag, 'cache-control': 'private, no-cache', vary: 'Origin, Accept-Encoding' });
      expect(revalidated.headers['content-type']).toBeUndefined();
      expect(revalidated.headers['content-length']).toBeUndefined();
      // The read happened, with the caller's token: the PVWA authorised it.
      expect(eventCalls(h.sim).map((call) => call.headers.authorization)).toEqual([OWNER]);
    }
    expect((await get({ 'if-none-match': '"not-it"' })).status).toBe(200);
  });

  it('answers 200 with a new ETag once the answer changed, then 304 to that one', async () => {
    const before = await get();
    const etag = String(before.headers.etag);
    expect((await get({ 'if-none-match': etag })).status).toBe(304);
    const [newest] = h.sim.eventsOf(OWNER);
    h.sim.changeEvent(OWNER, String(newest.id), { mStatus: newest.mStatus === 'OPEN' ? 'CLOSED' : 'OPEN' });
    const after = await get({ 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.etag).toBe(etagOf(after.body));
    expect(after.headers.etag).not.toBe(etag);
    expect(after.body.equals(before.body)).toBe(false);
    expect((await get({ 'if-none-match': String(after.headers.etag) })).status).toBe(304);
  });

  it('gives each content coding its own ETag: the compressed form revalidates against its own', async () => {
    const plain = await get();
    const br = await get({ 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.etag).toBe(etagOf(plain.body, 'br'));
    const revalidated = await get({ 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers['content-encoding']).toBeUndefined();
    // The uncompressed form's ETag does not validate the compressed one.
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': String(plain.headers.etag) })).status).toBe(200);
  });

  it('gives a POST\'s answer Cache-Control: no-store and no ETag, If-None-Match or not', async () => {
    const etag = String((await get()).headers.etag);
    const answer = await rawRequest(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: OWNER, 'if-none-match': etag },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers.etag).toBeUndefined();
  });

  it('gives a GET refused with 400 Cache-Control: no-store and no ETag', async () => {
    const refused = await rawRequest(getUrl(h.gateway.url, '{ nope }'), { headers: { authorization: OWNER, 'apollo-require-preflight': '1' } });
    expect(refused.status).toBe(400);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers.etag).toBeUndefined();
  });
});
