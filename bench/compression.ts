/**
 * npx tsx bench/compression.ts: what compressing a page of 50 events costs, to choose the levels
 * (docs/PERFORMANCE.md, Compression).
 *
 * 1. Levels: the page of 50 events with every field (the bench's `page` answer, over the
 *    simulator's 2,000 demo events), compressed at each brotli quality and gzip level with
 *    node:zlib's sync API on this thread: bytes, and CPU time per answer (median of rounds).
 * 2. Sync or async on the hot path: a node:http server (its own process, pinned to CPU 0, as the
 *    bench pins the gateway) answers that page compressed at the chosen levels, once with the sync
 *    API and once with the async one (libuv's thread pool); autocannon (pinned to CPU 1) at
 *    concurrency 1 and 64. CPU per request is the server process's, all its threads, from /proc.
 *
 *   npx tsx bench/compression.ts            both
 *   npx tsx bench/compression.ts --levels   the first only
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/gateway.js';
import { BROTLI_QUALITY, GZIP_LEVEL } from '../src/http/compression.js';
import { startSimulator } from '../src/simulator/server.js';
import { createLogger } from '../src/telemetry/logger.js';
import { EVENT_FIELDS } from '../test/support/fields.js';
import { canPin, CLK_TCK, cpuTicks, freePort, median, pinned } from './machine.js';

const root = new URL('..', import.meta.url);

/** The bench's `page` answer: securityEvents(first: 50) with every field, over 2,000 demo events. */
async function pageAnswer(): Promise<Buffer> {
  const sim = await startSimulator({ eventCount: 2000, record: false });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PVWA_URL: sim.url, LOG_LEVEL: 'silent', NODE_ENV: 'production', SESSION_SECRET: 'ab'.repeat(32), COMPRESSION: 'false' });
  const gateway = await startGateway({ config, logger: createLogger({ level: 'silent', format: 'json' }) });
  try {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'demo-token' },
      body: JSON.stringify({ query: `query Page { securityEvents(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { ${EVENT_FIELDS} } } }` }),
    });
    return Buffer.from(await response.arrayBuffer());
  } finally {
    await gateway.stop();
    await sim.close();
  }
}

/** CPU microseconds per call of `compress` on this thread: the median of 15 rounds of 40 calls. */
function cpuMicros(compress: () => Buffer): number {
  for (let i = 0; i < 20; i++) compress();
  const rounds: number[] = [];
  for (let round = 0; round < 15; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < 40; i++) compress();
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / 40);
  }
  return median(rounds);
}

function levels(body: Buffer): string {
  const lines = [`A page of 50 events with every field: ${body.length} bytes uncompressed.`, '', '| encoding | level | bytes | of the original | CPU µs per answer |', '|---|---|---|---|---|'];
  const row = (encoding: string, level: number, compress: () => Buffer) => {
    const size = compress().length;
    lines.push(`| ${encoding} | ${level} | ${size} | ${((100 * size) / body.length).toFixed(1)}% | ${cpuMicros(compress).toFixed(0)} |`);
  };
  for (let quality = 0; quality <= 11; quality++) {
    row('br', quality, () => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: body.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }));
  }
  for (let level = 1; level <= 9; level++) row('gzip', level, () => gzipSync(body, { level }));
  return lines.join('\n');
}

/** The hot path's model: answer the page, compressed per request with the sync or the async API. */
const SERVER = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { brotliCompress, brotliCompressSync, gzip, gzipSync, constants } from 'node:zlib';
const body = readFileSync(process.env.BODY);
const mode = process.env.MODE;
const encoding = process.env.ENCODING;
const brotli = { params: { [constants.BROTLI_PARAM_QUALITY]: Number(process.env.BR), [constants.BROTLI_PARAM_SIZE_HINT]: body.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };
const gz = { level: Number(process.env.GZ) };
const send = (res, bytes) => { res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': bytes.length }); res.end(bytes); };
createServer((req, res) => {
  // The answer as the route has it: a fresh copy of the rendered bytes.
  const fresh = Buffer.from(body);
  if (mode === 'sync') return send(res, encoding === 'br' ? brotliCompressSync(fresh, brotli) : gzipSync(fresh, gz));
  const done = (error, bytes) => (error ? res.destroy() : send(res, bytes));
  if (encoding === 'br') brotliCompress(fresh, brotli, done); else gzip(fresh, gz, done);
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

async function hotPath(body: Buffer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pta-compression-'));
  const bodyFile = join(dir, 'page.json');
  const serverFile = join(dir, 'server.mjs');
  writeFileSync(bodyFile, body);
  writeFileSync(serverFile, SERVER);
  const lines = [
    `Brotli quality ${BROTLI_QUALITY} and gzip level ${GZIP_LEVEL}, ${canPin ? 'server on CPU 0, load on CPU 1' : 'unpinned'}; medians of 3 rounds of 3 s.`,
    '',
    '| encoding | API | c | req/s | mean ms | CPU ms/req |',
    '|---|---|---|---|---|---|',
  ];
  for (const encoding of ['br', 'gzip']) {
    for (const mode of ['sync', 'async']) {
      const port = await freePort();
      const [command, args] = pinned(0, process.execPath, [serverFile]);
      const server = spawn(command, args, { env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), BODY: bodyFile, MODE: mode, ENCODING: encoding, BR: String(BROTLI_QUALITY), GZ: String(GZIP_LEVEL) }, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
      for (const connections of [1, 64]) {
        const runs: Array<{ rps: number; mean: number; cpu: number }> = [];
        const load = (seconds: number) => {
          const [loadCommand, loadArgs] = pinned(1, process.execPath, ['node_modules/autocannon/autocannon.js', '-j', '-c', String(connections), '-d', String(seconds), '-H', `accept-encoding=${encoding}`, `http://127.0.0.1:${port}/`]);
          return JSON.parse(execFileSync(loadCommand, loadArgs, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as { requests: { average: number; total: number } };
        };
        load(1);
        for (let round = 0; round < 3; round++) {
          const before = cpuTicks(server.pid!);
          const result = load(3);
          const ticks = cpuTicks(server.pid!) - before;
          runs.push({ rps: result.requests.average, mean: (1000 * connections) / result.requests.average, cpu: (ticks * 1000) / CLK_TCK / result.requests.total });
        }
        lines.push(`| ${encoding} | ${mode} | ${connections} | ${median(runs.map((r) => r.rps)).toFixed(0)} | ${median(runs.map((r) => r.mean)).toFixed(3)} | ${median(runs.map((r) => r.cpu)).toFixed(3)} |`);
      }
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  }
  return lines.join('\n');
}

const body = await pageAnswer();
process.stdout.write(`${levels(body)}\n\n`);
if (!process.argv.includes('--levels')) process.stdout.write(`${await hotPath(body)}\n`);
