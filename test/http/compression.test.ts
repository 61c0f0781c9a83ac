import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ASYNC_COMPRESSION_BYTES, encode, MIN_COMPRESSED_BYTES, negotiateEncoding } from '../../src/http/compression.js';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { EVENT_FIELDS, metric, startHarness, type Harness } from '../support/harness.js';
import { rawRequest, type RawAnswer } from '../support/http.js';

// Compression of /graphql answers (README: Compression and caching): brotli or gzip as
// Accept-Encoding prefers, for answers of 1 KB or more, the bytes exactly node:zlib's at the
// chosen levels; COMPRESSION=false sends them as they are.

const PAGE = `query Page { securityEvents(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { ${EVENT_FIELDS} } } }`;
const CHROME = 'gzip, deflate, br, zstd';

describe('negotiateEncoding: the client\'s q-values decide, a tie goes to brotli', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['identity', null],
    ['deflate, zstd', null],
    ['gzip', 'gzip'],
    ['br', 'br'],
    [CHROME, 'br'],
    ['gzip, br', 'br'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip;q=1.0, br;q=0.5', 'gzip'],
    ['br;q=0.2, gzip;q=0.3', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['gzip;q=0.000, br;q=0.001', 'br'],
    ['*', 'br'],
    ['*;q=0.5, gzip', 'gzip'],
    ['gzip;q=0.8, *;q=0.9', 'br'],
    ['*;q=0', null],
    ['br;q=abc, gzip;q=0.1', 'gzip'],
    ['br;q=2', null],
    ['br ; q = 0.5 , gzip ; q=0.4', 'br'],
  ])('Accept-Encoding %j: %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('compressed answers over HTTP', () => {
  let h: Harness;
  let off: Harness;
  beforeAll(async () => {
    [h, off] = await Promise.all([
      startHarness({ simulator: { eventCount: 60 }, logLevel: 'info' }),
      startHarness({ simulator: { eventCount: 60 }, env: { COMPRESSION: 'false' } }),
    ]);
  });
  afterAll(() => Promise.all([h.close(), off.close()]));

  const post = (harness: Harness, query: string, acceptEncoding?: string, token = DEMO_TOKEN): Promise<RawAnswer> =>
    rawRequest(harness.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token, ...(acceptEncoding !== undefined ? { 'accept-encoding': acceptEncoding } : {}) },
      body: JSON.stringify({ query }),
    });

  it('sends a page of 50 events as it is without Accept-Encoding, saying it varies by Accept-Encoding', async () => {
    const plain = await post(h, PAGE);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Origin, Accept-Encoding');
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    expect(JSON.parse(plain.body.toString('utf8')).data.securityEvents.nodes).toHaveLength(50);
  });

  it.each([
    ['br', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
    [CHROME, 'br', brotliDecompressSync],
    ['gzip;q=1, br;q=0.8', 'gzip', gunzipSync],
  ] as const)('Accept-Encoding %j: %s, exactly node:zlib\'s bytes at the chosen level, decoding to the same answer', async (header, encoding, decode) => {
    const plain = await post(h, PAGE);
    const compressed = await post(h, PAGE, header);
    expect(compressed.status).toBe(200);
    expect(compressed.headers['content-encoding']).toBe(encoding);
    expect(compressed.headers.vary).toBe('Origin, Accept-Encoding');
    expect(Number(compressed.headers['content-length'])).toBe(compressed.body.length);
    expect(compressed.body.equals(encode(plain.body, encoding))).toBe(true);
    expect(decode(compressed.body).equals(plain.body)).toBe(true);
    // About a tenth of the JSON (docs/PERFORMANCE.md, Compression).
    expect(compressed.body.length).toBeLessThan(plain.body.length / 6);
  });

  it('compresses an answer of 256 KiB or more on the thread pool, to the same bytes', async () => {
    const BIG = PAGE.replace('first: 50', 'first: 500');
    const owner = 'big-answer';
    h.sim.setEvents(owner, Array.from({ length: 400 }, (_, i) => ({ ...h.sim.eventsOf(DEMO_TOKEN)[i % 60], id: `big-${i}` })));
    const plain = await post(h, BIG, undefined, owner);
    expect(plain.body.length).toBeGreaterThan(ASYNC_COMPRESSION_BYTES);
    expect(JSON.parse(plain.body.toString('utf8')).data.securityEvents.nodes).toHaveLength(400);
    // The thread pool's stream may cut the output at other places than the one-shot call: the same answer, decoded.
    const br = await post(h, BIG, 'br', owner);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    const gzip = await post(h, BIG, 'gzip', owner);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 6);
  });

  it('sends an answer under 1 KB as it is, whatever Accept-Encoding allows', async () => {
    const small = await post(h, '{ session { delivery expiresAt } }', 'br, gzip');
    expect(small.body.toString('utf8')).toBe('{"data":{"session":{"delivery":"TOKEN","expiresAt":null}}}\n');
    expect(small.body.length).toBeLessThan(MIN_COMPRESSED_BYTES);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toBe('Origin, Accept-Encoding');
  });

  it('with COMPRESSION=false sends every answer as it is, varying by Origin only', async () => {
    const answer = await post(off, PAGE, 'br, gzip');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary).toBe('Origin');
    expect(JSON.parse(answer.body.toString('utf8')).data.securityEvents.nodes).toHaveLength(50);
  });

  it('keeps a rendered answer\'s compressed bodies with it, counted in the snapshot budget, made once per encoding', async () => {
    const token = 'compressed-once';
    h.sim.setEvents(token, h.sim.eventsOf(DEMO_TOKEN));
    const bytes = () => metric(h, 'pta_gateway_snapshot_bytes');
    const once = PAGE.replace('query Page', 'query PageOnce');
    const plain = await post(h, once, undefined, token);
    const afterPlain = await bytes();
    const br = await post(h, once, 'br', token);
    expect(await bytes()).toBe(afterPlain + br.body.length);
    expect(await post(h, once, 'br', token)).toMatchObject({ body: br.body });
    expect(await bytes()).toBe(afterPlain + br.body.length);
    const gzip = await post(h, once, 'gzip', token);
    expect(await bytes()).toBe(afterPlain + br.body.length + gzip.body.length);
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    // The three after the first were served from the rendered answer (one upstream delta read each, nothing executed).
    const lines = await h.logged((line) => line.msg === 'graphql request' && line.operationName === 'PageOnce', 4);
    expect(lines.map((line) => line.rendered ?? false)).toEqual([false, true, true, true]);
  });
});
