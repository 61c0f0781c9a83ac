/**
 * npx tsx bench/memory.ts: the gateway's peak memory (VmHWM) at the worst its defaults allow, for
 * the memory arithmetic in docs/OPERATIONS.md and deploy/kubernetes.yaml. Needs `npm run build`.
 *
 * A fresh dist/main.js (NODE_ENV=production, LOG_LEVEL=warn) per scenario, over the simulator in
 * this process (fast mode, so it is cheap), with:
 *   idle     a few requests, then nothing;
 *   lists    2 x PVWA_MAX_CONCURRENT_LISTS clients asking for full pages over a list just under
 *            PVWA_MAX_BODY_BYTES, for SECONDS;
 *   patches  PVWA_MAX_SOCKETS clients closing an event whose answer is just under
 *            PVWA_MAX_EVENT_BYTES, with `raw` selected (the answer carries it back), for SECONDS;
 *   mixed    both at once.
 * Environment variables given to this script (e.g. PVWA_MAX_BODY_BYTES, NODE_OPTIONS) are passed to the gateway.
 *   MEMORY_SECONDS=20 npx tsx bench/memory.ts
 *   MEMORY_ONLY=idle,lists npx tsx bench/memory.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { EVENT_FIELDS } from '../test/support/fields.js';
import { startSimulator } from '../src/simulator/server.js';
import { createDemoEvents } from '../src/simulator/data.js';

const SECONDS = Number(process.env.MEMORY_SECONDS ?? 15);
const ONLY = process.env.MEMORY_ONLY?.split(',');
const MB = 1024 * 1024;
const config = loadConfig({ ...process.env, PVWA_URL: 'http://127.0.0.1:1' });
const main = new URL('../dist/main.js', import.meta.url).pathname;

// A list just under PVWA_MAX_BODY_BYTES (the demo events average 1.3 KB of JSON each).
const perEvent = JSON.stringify(createDemoEvents(200, 7)).length / 200;
const listEvents = createDemoEvents(Math.floor((config.PVWA_MAX_BODY_BYTES * 0.97) / perEvent), 7);
const listBytes = JSON.stringify(listEvents).length;
// One event whose JSON is just under PVWA_MAX_EVENT_BYTES.
const base = { id: 'big-1', type: 'VaultViaIrregularIp', score: 50, createTime: 1_700_000_000_000, lastUpdateTime: 1_700_000_000_000, mStatus: 'OPEN', audits: [] };
const pad = config.PVWA_MAX_EVENT_BYTES - JSON.stringify({ ...base, additionalData: { pad: '' } }).length - 64;
const bigEvent = { ...base, additionalData: { pad: 'x'.repeat(pad) } };

const sim = await startSimulator({ fast: true, record: false, eventCount: 1 });
sim.setEvents('list-token', listEvents);
sim.setEvents('patch-token', [bigEvent]);

function vm(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startGateway(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { SESSION_SECRET: randomBytes(32).toString('base64'), ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', PORT: String(port), HOST: '127.0.0.1', PVWA_URL: sim.url },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 100; i++) {
    if ((await fetch(url.replace('/graphql', '/healthz')).then((r) => r.status, () => 0)) === 200) return { child, url };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway did not start');
}

const LIST = JSON.stringify({ query: `{ securityEvents(first: 500) { totalCount nodes { ${EVENT_FIELDS} } } }` });
const CLOSE = JSON.stringify({ query: 'mutation { updateEventStatus(id: "big-1", status: CLOSED) { id status additionalData { raw } } }' });

/** `clients` loops sending `body` until `until`; counts answers by HTTP status. */
async function load(url: string, token: string, body: string, clients: number, until: number, counts: Map<string, number>) {
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const key = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body }).then(
          async (r) => {
            const text = await r.text();
            return r.status === 200 && !text.includes('"errors"') ? 'ok' : `${r.status} ${/"code":"(\w+)"/.exec(text)?.[1] ?? ''}`;
          },
          (error: Error) => `failed ${error.message}`,
        );
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }),
  );
}

const scenarios: Record<string, (url: string, until: number, counts: Map<string, number>) => Promise<unknown>> = {
  idle: async (url, _until, counts) => {
    for (const [token, body] of [['list-token', LIST], ['patch-token', CLOSE]]) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body });
      const key = `${response.status}${(await response.text()).includes('"errors"') ? ' errors' : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  },
  lists: (url, until, counts) => load(url, 'list-token', LIST, 2 * config.PVWA_MAX_CONCURRENT_LISTS, until, counts),
  patches: (url, until, counts) => load(url, 'patch-token', CLOSE, config.PVWA_MAX_SOCKETS, until, counts),
  mixed: (url, until, counts) =>
    Promise.all([
      load(url, 'list-token', LIST, 2 * config.PVWA_MAX_CONCURRENT_LISTS, until, counts),
      load(url, 'patch-token', CLOSE, config.PVWA_MAX_SOCKETS - config.PVWA_MAX_CONCURRENT_LISTS, until, counts),
    ]),
};

process.stdout.write(
  `list ${(listBytes / MB).toFixed(1)} MB (${listEvents.length} events; PVWA_MAX_BODY_BYTES ${(config.PVWA_MAX_BODY_BYTES / MB).toFixed(0)} MiB), ` +
    `PATCH answer ${(JSON.stringify(bigEvent).length / MB).toFixed(2)} MB (PVWA_MAX_EVENT_BYTES ${(config.PVWA_MAX_EVENT_BYTES / MB).toFixed(0)} MiB), ` +
    `lists at once ${config.PVWA_MAX_CONCURRENT_LISTS}, sockets ${config.PVWA_MAX_SOCKETS}, NODE_OPTIONS ${JSON.stringify(process.env.NODE_OPTIONS ?? '')}, ${SECONDS} s per scenario\n`,
);
for (const [name, run] of Object.entries(scenarios)) {
  if (ONLY && !ONLY.includes(name)) continue;
  const { child, url } = await startGateway();
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exited ${code ?? signal}`)));
  const counts = new Map<string, number>();
  const started = vm(child.pid!, 'VmRSS');
  const outcome = await Promise.race([run(url, Date.now() + SECONDS * 1000, counts).then(() => 'ran'), exited]);
  const peak = outcome === 'ran' ? vm(child.pid!, 'VmHWM') : NaN;
  const end = outcome === 'ran' ? vm(child.pid!, 'VmRSS') : NaN;
  child.kill('SIGTERM');
  await exited;
  process.stdout.write(`${name.padEnd(8)} RSS at start ${started.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, end ${end.toFixed(0)} MB; ${outcome}; answers ${JSON.stringify(Object.fromEntries(counts))}\n`);
}
await sim.close();
