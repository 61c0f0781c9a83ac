import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import type { AnswerForms } from '../events/rendered-answers.js';
import { header } from './body.js';

/**
 * Compression of /graphql answers: brotli or gzip, as the client's Accept-Encoding prefers, for
 * answers of MIN_COMPRESSED_BYTES or more (COMPRESSION=false leaves it to a proxy in front).
 *
 * The levels, and the sync API for answers up to a page or two, were chosen by measurement
 * (docs/PERFORMANCE.md, Compression; `npx tsx bench/compression.ts`): for a page of 50 events the
 * sync call costs less CPU than handing the work to libuv's thread pool and back, and serves more
 * requests under load. A larger answer (up to MAX_RESPONSE_BYTES, 4 MiB: some 35 ms of brotli)
 * is compressed on the thread pool, so it does not hold the event loop, and every other request,
 * that long.
 */

export type Encoding = 'br' | 'gzip';

/** Smaller answers are sent as they are: their headers outweigh what compression would save. */
export const MIN_COMPRESSED_BYTES = 1024;
export const BROTLI_QUALITY = 5;
export const GZIP_LEVEL = 6;
/** Answers this large or larger are compressed on the thread pool (about 2.5 ms of brotli and more). */
export const ASYNC_COMPRESSION_BYTES = 256 * 1024;

const brotliAsync = promisify<Buffer, BrotliOptions, Buffer>(brotliCompress);
const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);

/**
 * The encoding to answer a request with: of br and gzip, the one its Accept-Encoding gives the
 * highest q-value (RFC 9110, 12.5.3); `*` stands for any coding the header does not name, `x-gzip`
 * for gzip, and q=0 refuses. Equal q-values are no preference (the header's order means nothing),
 * so brotli, the smaller, wins a tie. Null: send the answer as it is.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const q: Partial<Record<Encoding | '*', number>> = {};
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.split(';');
    let coding = name.trim().toLowerCase();
    if (coding === 'x-gzip') coding = 'gzip';
    if (coding !== 'br' && coding !== 'gzip' && coding !== '*') continue;
    let weight = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match) weight = Math.min(1, Number(match[1]));
      else if (/^\s*q\s*=/i.test(param)) weight = 0;
    }
    // A coding named twice keeps its best weight.
    q[coding] = Math.max(q[coding] ?? 0, weight);
  }
  const br = q.br ?? q['*'] ?? 0;
  const gzip = q.gzip ?? q['*'] ?? 0;
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

const brotliOptions = (body: Buffer): BrotliOptions => ({
  params: {
    [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
});

/** `body` encoded for transfer, on this thread. */
export function encode(body: Buffer, encoding: Encoding): Buffer {
  return encoding === 'gzip' ? gzipSync(body, { level: GZIP_LEVEL }) : brotliCompressSync(body, brotliOptions(body));
}

/** The same bytes as `encode`, made on this thread for an answer under ASYNC_COMPRESSION_BYTES, else on the thread pool. */
function encodeAnswer(body: Buffer, encoding: Encoding): Buffer | Promise<Buffer> {
  if (body.length < ASYNC_COMPRESSION_BYTES) return encode(body, encoding);
  return encoding === 'gzip' ? gzipAsync(body, { level: GZIP_LEVEL }) : brotliAsync(body, brotliOptions(body));
}

/** An answer's body as it will be sent: its content coding (null: as it is) and, when asked, its bytes. */
export interface OutgoingBody {
  encoding: Encoding | null;
  bytes(): Buffer | Promise<Buffer>;
}

/**
 * How the answer `body` will be sent to `req`: compressed when compression is on, the body is
 * MIN_COMPRESSED_BYTES or more and Accept-Encoding allows br or gzip. Sets `Vary:
 * Accept-Encoding` (whenever compression is on: a cache must not serve one form to a client that
 * asked for another); the caller sets `Content-Encoding` with the bytes. The compressed bytes are
 * made only when asked for (a 304 needs none), through `forms`: a rendered answer keeps them.
 */
export function outgoingBody(req: IncomingMessage, res: ServerResponse, body: Buffer, forms: AnswerForms, enabled: boolean): OutgoingBody {
  if (!enabled) return { encoding: null, bytes: () => body };
  const vary = res.getHeader('vary');
  res.setHeader('vary', vary === undefined || vary === '' ? 'Accept-Encoding' : `${String(vary)}, Accept-Encoding`);
  const encoding = body.length >= MIN_COMPRESSED_BYTES ? negotiateEncoding(header(req, 'accept-encoding')) : null;
  if (encoding === null) return { encoding, bytes: () => body };
  return { encoding, bytes: () => forms.encoded(encoding, () => encodeAnswer(body, encoding)) };
}
