/**
 * npm run bench: the gateway against a same-stack peer and a raw node:http proxy, side by side, on
 * this machine.
 *
 * Upstream: the simulator in fast mode. Floor: bench/proxy.ts. Peer: bench/peers/apollo-rest, the
 * REST BFF a team writes from Apollo's docs (its own package, installed here when missing).
 * Gateway: dist/main.js with production settings, logs at warn. Servers are pinned to CPU 0, the
 * load generator (autocannon, its own process) to CPU 1. Each scenario runs at concurrency 1 and
 * 64, with a warm-up, then REPS rounds, the order of the sides rotated each round (G P X, P X G,
 * X G P, ...), each round starting once the servers are idle; medians are reported, with the
 * server CPU time per request read from /proc (steadier than requests/s on a shared machine).
 *
 *   npm run bench                 the full run (about 35 minutes)
 *   npm run bench -- --quick      shorter runs, for a quick look while profiling
 *   npm run bench -- --soak       the close scenario for 5 minutes: RSS at the start and the end
 *   BENCH_ONLY=close,page         only these scenarios (and their variants: page runs the page-br, page-gzip and page-fresh ones too)
 *   BENCH_ONLY=close+tracing      close, with a second gateway whose tracing is on as a side of its rounds
 *   npm run bench -- --profile    CPU profiles of the gateway and the peer under the same load (close and
 *                                 close-warm at c=64 and 1 unless BENCH_ONLY and PROFILE_CONNECTIONS say otherwise):
 *                                 microseconds per request by package, side by side (bench/profiler.ts)
 *
 * `<scenario>+tracing` adds to the scenario a gateway with OpenTelemetry tracing on, exporting to
 * bench/otlp-sink.ts (a collector that counts and discards, on the load's CPU): a side of the
 * same rounds, so its row and the gateway's compare on a shared machine. The full run traces close.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createDemoEvents } from '../src/simulator/data.js';
import { autocannonCommand, canPin, CLK_TCK, cpuTicks, freePort, median, pinned } from './machine.js';
import { inspectFlag, profileWhile, renderParts, timeByFunction, timeByPart } from './profiler.js';
import { SCENARIOS, type Scenario, type Side } from './scenarios.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const SOAK = args.has('--soak');
const PROFILE = args.has('--profile');
const DURATION_S = QUICK ? 2 : 4;
/** The list scenarios move 2.6 MB per request: at concurrency 64 they need longer runs to finish requests. */
const LIST_DURATION_S = QUICK ? 3 : 6;
// Long enough for V8 to have optimised the hot path: at c=1 a 3 s warm-up still left the first
// round of every side (gateway and peer alike) 25 to 50% dearer than the next ones.
const WARMUP_S = QUICK ? 2 : 6;
const REPS = QUICK ? 3 : 5;
const SOAK_S = Number(process.env.SOAK_SECONDS ?? 300);
const TOKEN = 'demo-token';
const root = new URL('..', import.meta.url);
/** The V8 flags `npm start` gives node (package.json's start script): the bench runs what users run. */
const START_FLAGS = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts.start as string).split(/\s+/).filter((arg) => arg.startsWith('--'));
/** The same-stack peer: its own npm package, run as its package.json's start script runs it (plain `node`, no V8 flags). */
const PEER_DIR = 'bench/peers/apollo-rest';

/** The suffix of a scenario's traced twin: its gateway with OpenTelemetry tracing on. */
const TRACED = '+tracing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startProcess(name: string, cpu: number, commandArgs: string[], env: Record<string, string>, readyLine?: string): Promise<ChildProcess> {
  const [command, argv] = pinned(cpu, process.execPath, commandArgs);
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  // Every server goes when the bench does, even when a check throws mid-scenario.
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${code ?? signal})\n`);
      process.exit(1);
    }
  });
  if (!readyLine) return Promise.resolve(child);
  return new Promise((resolve) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(readyLine)) resolve(child);
    });
  });
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/**
 * `mean` is the mean latency by Little's law (connections / throughput): autocannon records
 * latencies in whole milliseconds, too coarse for sub-millisecond answers; p50 and p99 are its own.
 */
interface Run { rps: number; p50: number; p99: number; mean: number; cpuMsPerReq: number; errors: number; upstreamBytesPerReq: number; bytesPerResponse: number }

function autocannon(side: Side, connections: number, seconds: number): Run & { requests: number } {
  const [command, args] = autocannonCommand(side, connections, seconds);
  const out = execFileSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } });
  const result = JSON.parse(out) as {
    requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; timeouts: number;
    throughput: { total: number };
  };
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.requests.average > 0 ? (1000 * connections) / result.requests.average : NaN,
    requests: result.requests.total,
    cpuMsPerReq: 0,
    upstreamBytesPerReq: NaN,
    // What the client received per answer, headers included, as sent (compressed or not).
    bytesPerResponse: result.requests.total > 0 ? result.throughput.total / result.requests.total : NaN,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** Upstream bytes a side moves: the gateway's own counter of list bytes read, or a fixed size per request (the proxy passes the full list). */
type UpstreamBytes = () => Promise<number>;

async function measure(side: Side, pid: number, connections: number, seconds: number, upstreamBytes: UpstreamBytes): Promise<Run> {
  const before = cpuTicks(pid);
  const bytesBefore = await upstreamBytes();
  const run = autocannon(side, connections, seconds);
  const ticks = cpuTicks(pid) - before;
  const bytes = (await upstreamBytes()) - bytesBefore;
  return {
    ...run,
    cpuMsPerReq: run.requests > 0 ? (ticks * 1000) / CLK_TCK / run.requests : NaN,
    upstreamBytesPerReq: run.requests > 0 ? bytes / run.requests : NaN,
  };
}

/** What the OTLP sink has received so far. */
async function sinkCounts(url: string): Promise<{ exports: number; bytes: number; spans: number }> {
  return (await fetch(`${url}/stats`)).json() as Promise<{ exports: number; bytes: number; spans: number }>;
}

/** A counter of a gateway's own metrics so far, all its series summed. */
async function counterTotal(gatewayUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`)) total += Number(line.split(' ').at(-1));
  return total;
}

/** The gateway's upstream list bytes so far (full and delta reads). */
const gatewayListBytes = (gatewayUrl: string) => counterTotal(gatewayUrl, 'pta_gateway_event_read_bytes_total');
/** The GraphQL requests a gateway has answered so far. */
const requestsAnswered = (gatewayUrl: string) => counterTotal(gatewayUrl, 'pta_gateway_graphql_requests_total');

let stopping = false;
const children: ChildProcess[] = [];
process.on('exit', () => {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
});

/** The peer's own packages (npm ci in its folder, from its lock file), when missing or older than the lock file. */
function installPeer(): void {
  const dir = new URL(`${PEER_DIR}/`, root);
  const installed = new URL('node_modules/.package-lock.json', dir);
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(new URL('package-lock.json', dir)).mtimeMs) return;
  process.stderr.write(`Installing the peer's packages: npm ci --prefix ${PEER_DIR}\n`);
  // Its output to stderr: stdout is the table.
  execFileSync('npm', ['ci', '--prefix', PEER_DIR, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 2, 2] });
}

/**
 * Waits until the servers have been idle for a moment (at most 30 s): a round cut off at its end
 * can leave requests in a server (list requests at c=64), whose work would otherwise run during
 * the next side's round on the same CPU.
 */
async function settle(pids: number[]): Promise<void> {
  const ticks = () => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  let last = ticks();
  for (let waited = 0; waited < 30_000; waited += 200) {
    await sleep(200);
    const now = ticks();
    if (now - last <= 1) return;
    last = now;
  }
}

/** The sides in round `rep`'s order: rotated by one each round, so each side runs first, second and last equally often. */
const rotate = <T>(sides: T[], rep: number): T[] => [...sides.slice(rep % sides.length), ...sides.slice(0, rep % sides.length)];

type Summary = ReturnType<typeof summarise>;
function summarise(runs: Run[]) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    mean: median(runs.map((r) => r.mean)),
    cpuMsPerReq: median(runs.map((r) => r.cpuMsPerReq)),
    upstreamBytesPerReq: median(runs.map((r) => r.upstreamBytesPerReq)),
    bytesPerResponse: median(runs.map((r) => r.bytesPerResponse)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

/**
 * The gateway against the peer, all ratios gateway / peer (below 1: the gateway costs less,
 * except `throughputRatio`). The added latency is each side's mean over the proxy's, in the same
 * rounds; its ratio is null unless both add some (where the gateway answers faster than the proxy,
 * as on warm reads, compare `meanLatencyRatio`).
 */
function versusPeer(g: Summary, peer: Summary, proxy: Summary) {
  const added = { gateway: g.mean - proxy.mean, peer: peer.mean - proxy.mean };
  return {
    throughputRatio: g.rps / peer.rps,
    meanLatencyRatio: g.mean / peer.mean,
    cpuRatio: g.cpuMsPerReq / peer.cpuMsPerReq,
    addedLatencyMs: added,
    addedLatencyRatio: added.gateway > 0 && added.peer > 0 ? added.gateway / added.peer : null,
  };
}

interface SideRuns {
  /** `traced`: the gateway with tracing on. */
  name: 'gateway' | 'peer' | 'proxy' | 'traced';
  side: Side;
  pid: number;
  runs: Run[];
  bytes: UpstreamBytes;
  /** Untimed, before the side's warm-up and each of its rounds. */
  prepare?: () => Promise<void>;
}

async function main(): Promise<void> {
  const [simPort, proxyPort, gatewayPort, peerPort, tracedPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const sim = await startProcess('upstream', 0, ['--import', 'tsx', 'bench/upstream.ts'], { PORT: String(simPort) }, 'ready');
  const pvwaUrl = `http://127.0.0.1:${simPort}/PasswordVault`;
  const proxy = await startProcess('proxy', 0, ['--import', 'tsx', 'bench/proxy.ts'], { PORT: String(proxyPort), UPSTREAM: `http://127.0.0.1:${simPort}` }, 'ready');
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const only = process.env.BENCH_ONLY?.split(',');
  // The scenarios with a traced twin, and the collector it exports to.
  const tracedNames = new Set((only ?? [`close${TRACED}`]).filter((name) => name.endsWith(TRACED)).map((name) => name.slice(0, -TRACED.length)));
  const tracedUrl = `http://127.0.0.1:${tracedPort}`;
  let sinkUrl = '';
  if (tracedNames.size > 0) {
    const sinkPort = await freePort();
    await startProcess('otlp sink', 1, ['--import', 'tsx', 'bench/otlp-sink.ts'], { PORT: String(sinkPort) }, 'ready');
    sinkUrl = `http://127.0.0.1:${sinkPort}`;
  }
  // A fresh gateway per scenario, so each scenario's peak RSS is its own; traced, on its own port
  // with tracing on (the SDK's defaults but the endpoint).
  const startGatewayProcess = async (scenario?: Scenario, traced = false, inspectPort?: number): Promise<ChildProcess> => {
    for (const [path, content] of Object.entries(scenario?.gatewayFiles ?? {})) writeFileSync(path, content);
    const url = traced ? tracedUrl : gatewayUrl;
    const child = await startProcess('gateway', 0, [...START_FLAGS, ...(inspectPort ? [inspectFlag(inspectPort)] : []), 'dist/main.js'], {
      NODE_ENV: 'production', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', PVWA_URL: pvwaUrl, PORT: String(traced ? tracedPort : gatewayPort), HOST: '127.0.0.1',
      SESSION_SECRET: randomBytes(32).toString('base64'),
      ...scenario?.gatewayEnv,
      ...(traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } : {}),
    });
    for (let i = 0; ; i++) {
      if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return child;
      if (i > 100) throw new Error('gateway did not get ready');
      await sleep(100);
    }
  };
  // A fresh peer per scenario too, in production mode; it prints `ready <url>` once it listens.
  const startPeerProcess = (inspectPort?: number) =>
    startProcess('peer', 0, [...(inspectPort ? [inspectFlag(inspectPort)] : []), `${PEER_DIR}/server.mjs`], { NODE_ENV: 'production', PVWA_URL: pvwaUrl, PORT: String(peerPort), HOST: '127.0.0.1' }, 'ready');
  const stopProcess = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stopping = true;
    child.kill('SIGTERM');
    await exited;
    stopping = false;
  };
  // Under taskset the child's pid is node's own (taskset execs), so /proc/<pid> is the server.
  const serverPid = (child: ChildProcess) => child.pid!;

  const events = createDemoEvents(2000);
  // The proxy passes the full list on every list request, and the peer reads it: its size, once.
  const fullListBytes = (await (await fetch(`${pvwaUrl}/API/pta/API/Events/`, { headers: { authorization: TOKEN } })).arrayBuffer()).byteLength;
  // Files a scenario's gateway reads (a manifest of trusted documents), gone with the run.
  const workDir = mkdtempSync(join(tmpdir(), 'pta-bench-'));
  process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
  const scenarios = SCENARIOS({ events, token: TOKEN, gateway: gatewayUrl, proxy: `http://127.0.0.1:${proxyPort}`, peer: peerUrl, workDir });
  // The same scenarios against the traced gateway: its side of a scenario's rounds.
  const tracedScenarios = SCENARIOS({ events, token: TOKEN, gateway: tracedUrl, proxy: `http://127.0.0.1:${proxyPort}`, peer: peerUrl, workDir });

  if (SOAK) {
    const gateway = await startGatewayProcess();
    await scenarios[0].check(false);
    await soak(scenarios[0].gateway, serverPid(gateway));
    return stopProcess(gateway);
  }

  if (PROFILE) {
    const chosen = scenarios.filter((s) => s.peer && (only ? only.includes(s.name) : ['close', 'close-warm'].includes(s.name)));
    installPeer();
    const sections = [];
    for (const scenario of chosen) {
      const ports = { gateway: await freePort(), peer: await freePort() };
      const gateway = await startGatewayProcess(scenario, false, ports.gateway);
      const peer = await startPeerProcess(ports.peer);
      await scenario.check();
      for (const connections of (process.env.PROFILE_CONNECTIONS ?? '64,1').split(',').map(Number)) {
        sections.push(await profileScenario(scenario, connections, [
          { name: 'gateway', side: scenario.gateway, pid: serverPid(gateway), inspectPort: ports.gateway, prepare: scenario.prepareGateway?.bind(scenario) },
          { name: 'peer', side: scenario.peer!, pid: serverPid(peer), inspectPort: ports.peer },
        ], [serverPid(sim), serverPid(gateway), serverPid(peer)]));
      }
      await stopProcess(gateway);
      await stopProcess(peer);
    }
    const text = [`Profiled ${new Date().toISOString()} on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, ${canPin ? 'servers on CPU 0, load on CPU 1' : 'unpinned'}.`, ...sections].join('\n\n');
    process.stdout.write(`\n${text}\n`);
    if (!QUICK) updateDocSection('profile', text);
    return;
  }

  const rows = [];
  const selected = scenarios.filter((s) => !only || only.includes(s.name) || (s.variantOf !== undefined && only.includes(s.variantOf)) || tracedNames.has(s.name));
  if (selected.some((s) => s.peer)) installPeer();
  const peakRssMb = { gateway: {} as Record<string, number>, peer: {} as Record<string, number> };
  for (const scenario of selected) {
    const gateway = await startGatewayProcess(scenario);
    const peer = scenario.peer ? await startPeerProcess() : null;
    await scenario.check();
    const twin = tracedNames.has(scenario.name) ? tracedScenarios.find((s) => s.name === scenario.name)! : null;
    const traced = twin ? await startGatewayProcess(twin, true) : null;
    await twin?.check(false);
    const exportedBefore = twin ? { ...(await sinkCounts(sinkUrl)), answered: await requestsAnswered(tracedUrl) } : null;
    const isWrite = scenario.name.startsWith('close');
    for (const connections of [1, 64]) {
      const sides: SideRuns[] = [
        { name: 'gateway', side: scenario.gateway, pid: serverPid(gateway), runs: [], bytes: () => gatewayListBytes(gatewayUrl), prepare: scenario.prepareGateway?.bind(scenario) },
        // The peer and the proxy count nothing: what they move per list request is the full list (set below).
        ...(peer && scenario.peer ? [{ name: 'peer' as const, side: scenario.peer, pid: serverPid(peer), runs: [], bytes: async () => 0 }] : []),
        { name: 'proxy', side: scenario.proxy, pid: serverPid(proxy), runs: [], bytes: async () => 0 },
        ...(traced && twin ? [{ name: 'traced' as const, side: twin.gateway, pid: serverPid(traced), runs: [], bytes: () => gatewayListBytes(tracedUrl), prepare: twin.prepareGateway?.bind(twin) }] : []),
      ];
      const servers = [serverPid(sim), ...new Set(sides.map((s) => s.pid))];
      for (const s of sides) {
        await s.prepare?.();
        autocannon(s.side, connections, WARMUP_S);
      }
      for (let rep = 0; rep < REPS; rep++) {
        const seconds = isWrite ? DURATION_S : LIST_DURATION_S;
        for (const s of rotate(sides, rep)) {
          await settle(servers);
          await s.prepare?.();
          const run = await measure(s.side, s.pid, connections, seconds, s.bytes);
          if (s.name === 'peer' || s.name === 'proxy') run.upstreamBytesPerReq = isWrite ? NaN : fullListBytes;
          s.runs.push(run);
        }
      }
      const byName = (name: SideRuns['name']) => sides.find((s) => s.name === name);
      const g = summarise(byName('gateway')!.runs);
      const p = summarise(byName('proxy')!.runs);
      const q = byName('peer') ? summarise(byName('peer')!.runs) : null;
      const row = {
        scenario: scenario.name, connections, gateway: g, proxy: p,
        throughputRatio: g.rps / p.rps, cpuRatio: p.cpuMsPerReq / g.cpuMsPerReq, p50Ratio: g.p50 / p.p50, meanLatencyDeltaMs: g.mean - p.mean,
        meanLatencyRatio: g.mean / p.mean,
        // Added fields (issue 28): the same-stack peer, null where the scenario has none.
        peer: q,
        vsPeer: q ? versusPeer(g, q, p) : null,
      };
      rows.push(row);
      const t = byName('traced') ? summarise(byName('traced')!.runs) : null;
      if (t) {
        // The traced gateway against the proxy of the same rounds, and against the gateway (`vsUntraced`: traced / untraced).
        const vsUntraced = { cpuRatio: t.cpuMsPerReq / g.cpuMsPerReq, meanLatencyRatio: t.mean / g.mean, throughputRatio: t.rps / g.rps };
        rows.push({
          scenario: `${scenario.name}${TRACED}`, connections, gateway: t, proxy: p,
          throughputRatio: t.rps / p.rps, cpuRatio: p.cpuMsPerReq / t.cpuMsPerReq, p50Ratio: t.p50 / p.p50, meanLatencyDeltaMs: t.mean - p.mean,
          meanLatencyRatio: t.mean / p.mean, peer: null, vsPeer: null, vsUntraced,
        });
        process.stderr.write(`${scenario.name}${TRACED} c=${connections}: traced ${t.rps.toFixed(0)} req/s, ${t.cpuMsPerReq.toFixed(3)} CPU ms/req; traced / untraced: CPU ${vsUntraced.cpuRatio.toFixed(2)}, mean latency ${vsUntraced.meanLatencyRatio.toFixed(2)}\n`);
      }
      const peerPart = row.vsPeer ? `, peer ${q!.rps.toFixed(0)} req/s, cpu gateway/peer ${row.vsPeer.cpuRatio.toFixed(2)}, added gateway/peer ${row.vsPeer.addedLatencyRatio?.toFixed(2) ?? 'n/a'}` : '';
      process.stderr.write(`${scenario.name} c=${connections}: gateway ${g.rps.toFixed(0)} req/s, proxy ${p.rps.toFixed(0)} req/s, ratio ${row.throughputRatio.toFixed(2)}, cpu ratio ${row.cpuRatio.toFixed(2)}${peerPart}\n`);
    }
    peakRssMb.gateway[scenario.name] = statusKb(serverPid(gateway), 'VmHWM') / 1024;
    await stopProcess(gateway);
    if (traced && exportedBefore) {
      peakRssMb.gateway[`${scenario.name}${TRACED}`] = statusKb(serverPid(traced), 'VmHWM') / 1024;
      const answered = (await requestsAnswered(tracedUrl)) - exportedBefore.answered;
      await stopProcess(traced);
      // Counted once it stopped (its last batch is exported then): fewer spans than it made when the batch processor dropped some.
      const after = await sinkCounts(sinkUrl);
      const spans = after.spans - exportedBefore.spans;
      process.stderr.write(`${scenario.name}${TRACED}: ${spans} spans exported for ${answered} requests (${(spans / answered).toFixed(2)} a request), in ${after.exports - exportedBefore.exports} exports of ${after.bytes - exportedBefore.bytes} bytes\n`);
    }
    if (peer) {
      peakRssMb.peer[scenario.name] = statusKb(serverPid(peer), 'VmHWM') / 1024;
      await stopProcess(peer);
    }
  }
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`, memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version, pinned: canPin },
    settings: { durationS: DURATION_S, listDurationS: LIST_DURATION_S, warmupS: WARMUP_S, reps: REPS, order: 'rotated each round, servers idle before each round' },
    peakRssMb: { gateway: peakRssMb.gateway, peer: peakRssMb.peer, proxy: statusKb(serverPid(proxy), 'VmHWM') / 1024 },
    rows,
  };
  const table = render(report);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(new URL('bench/results/', root), { recursive: true });
  const json = JSON.stringify(report, null, 2);
  // Quick runs are for a look while working: kept apart, never the "latest" of record.
  writeFileSync(new URL(`bench/results/${report.date.replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`, root), json);
  if (QUICK) return;
  writeFileSync(new URL('bench/results/latest.json', root), json);
  updatePerformanceDoc(table);
}

/** A run's report; `peer` and `vsPeer` (rows) and `peakRssMb.peer` are absent in runs before the peer. */
type Report = { date: string; machine: Record<string, unknown>; peakRssMb: { gateway: Record<string, number>; peer?: Record<string, number>; proxy: number }; rows: Array<any> };

function render(report: Report): string {
  const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lines = [
    `Run ${report.date} on ${String(report.machine.cpus)}, Node ${String(report.machine.node)}, ${report.machine.pinned ? 'servers on CPU 0, load on CPU 1' : 'unpinned'}.`,
    '',
    '| scenario | c | gateway req/s | proxy req/s | ratio | gateway p50 / p99 ms | proxy p50 / p99 ms | gateway mean ms | proxy mean ms | mean ratio | gateway CPU ms/req | proxy CPU ms/req | CPU ratio | upstream bytes/req gateway / proxy | bytes/answer gateway / proxy | peer req/s | peer mean ms | peer CPU ms/req | req/s gateway / peer | mean gateway / peer | added ms gateway / peer | added ratio gateway / peer | CPU gateway / peer |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of report.rows) {
    const q = r.peer;
    const v = r.vsPeer;
    const peerCells = q && v
      ? `${f(q.rps, 0)} | ${f(q.mean, 3)} | ${f(q.cpuMsPerReq, 3)} | ${f(v.throughputRatio)} | ${f(v.meanLatencyRatio)} | ${f(v.addedLatencyMs.gateway, 3)} / ${f(v.addedLatencyMs.peer, 3)} | ${f(v.addedLatencyRatio ?? NaN)} | ${f(v.cpuRatio)}`
      : 'n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a';
    lines.push(`| ${r.scenario} | ${r.connections} | ${f(r.gateway.rps, 0)} | ${f(r.proxy.rps, 0)} | ${f(r.throughputRatio)} | ${r.gateway.p50} / ${r.gateway.p99} | ${r.proxy.p50} / ${r.proxy.p99} | ${f(r.gateway.mean, 3)} | ${f(r.proxy.mean, 3)} | ${f(r.meanLatencyRatio)} | ${f(r.gateway.cpuMsPerReq, 3)} | ${f(r.proxy.cpuMsPerReq, 3)} | ${f(r.cpuRatio)} | ${f(r.gateway.upstreamBytesPerReq, 0)} / ${f(r.proxy.upstreamBytesPerReq, 0)} | ${f(r.gateway.bytesPerResponse ?? NaN, 0)} / ${f(r.proxy.bytesPerResponse ?? NaN, 0)} | ${peerCells} |`);
  }
  lines.push('', '`ratio` and `mean ratio` are gateway / proxy, `CPU ratio` proxy / gateway. The columns after the peer\'s own are gateway / peer: requests/s, then costs (below 1: the gateway costs less than the peer); "added" is the mean latency over the proxy\'s, its ratio n/a where a side adds none.');
  const list = (entries: Record<string, number> | undefined) => Object.entries(entries ?? {}).map(([name, mb]) => `${name} ${f(mb, 1)} MB`).join(', ') || 'none';
  lines.push('', `Peak RSS (VmHWM), a fresh gateway and peer per scenario: gateway ${list(report.peakRssMb.gateway)}; peer ${list(report.peakRssMb.peer)}; proxy (whole run) ${f(report.peakRssMb.proxy, 1)} MB.`);
  const errors = report.rows.reduce((sum, r) => sum + r.gateway.errors + r.proxy.errors + (r.peer?.errors ?? 0), 0);
  lines.push(`Errors, non-2xx answers and timeouts over all runs: ${errors}.`);
  return lines.join('\n');
}

/** One side to profile: its request, its server's pid and inspector port, and what brings its session to the scenario's state. */
interface ProfiledSide { name: 'gateway' | 'peer'; side: Side; pid: number; inspectPort: number; prepare?: () => Promise<void> }

/**
 * `--profile`: after a warm-up of each side, PROFILE_ROUNDS rounds (3; 1 with --quick), each side
 * profiled in turn alone on CPU 0 for one load window, the order rotated each round like the
 * measured rounds (one window on this shared machine can land in a busy moment). Each window is a
 * CPU profile (the inspector's Profiler, sampling every 250 us) and the CPU time read from /proc;
 * a side's rows are its windows' time over its windows' requests (the profiler's own cost
 * included, on both sides alike). Each side's last profile is kept in bench/results/ for Chrome
 * DevTools.
 */
async function profileScenario(scenario: Scenario, connections: number, sides: ProfiledSide[], servers: number[]): Promise<string> {
  const seconds = QUICK ? 4 : 5;
  const rounds = Number(process.env.PROFILE_ROUNDS ?? (QUICK ? 1 : 3));
  const totals = sides.map((s) => ({ name: s.name, us: new Map<string, number>(), own: new Map<string, number>(), requests: 0, ticks: 0 }));
  const add = (into: Map<string, number>, from: Iterable<[string, number]>) => {
    for (const [key, us] of from) into.set(key, (into.get(key) ?? 0) + us);
  };
  for (const s of sides) {
    await s.prepare?.();
    autocannon(s.side, connections, WARMUP_S);
  }
  for (let round = 0; round < rounds; round++) {
    for (const s of rotate(sides, round)) {
      const total = totals[sides.indexOf(s)];
      await settle(servers);
      await s.prepare?.();
      const before = cpuTicks(s.pid);
      const { result: run, profile } = await profileWhile(s.inspectPort, () => autocannon(s.side, connections, seconds));
      total.ticks += cpuTicks(s.pid) - before;
      if (run.errors > 0) throw new Error(`${scenario.name}: ${run.errors} errors on the ${s.name} while profiling`);
      total.requests += run.requests;
      add(total.us, timeByPart(profile));
      add(total.own, timeByFunction(profile, 'own code'));
      mkdirSync(new URL('bench/results/', root), { recursive: true });
      writeFileSync(new URL(`bench/results/profile-${scenario.name}-c${connections}-${s.name}.cpuprofile`, root), JSON.stringify(profile));
    }
  }
  const perRequestOf = (map: Map<string, number>, requests: number) => new Map([...map].map(([key, us]) => [key, us / requests]));
  const results = totals.map((t) => ({ name: t.name, parts: perRequestOf(t.us, t.requests), requests: t.requests, cpuMsPerReq: (t.ticks * 1000) / CLK_TCK / t.requests, own: perRequestOf(t.own, t.requests) }));
  const own = results.map((r) => `${r.name}'s own code, largest functions: ${[...r.own].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name, us]) => `\`${name}\` ${us.toFixed(1)}`).join(', ')} (us/request).`);
  const cpu = results.map((r) => `${r.name} ${r.cpuMsPerReq.toFixed(3)} ms`).join(', ');
  return [
    `**${scenario.name}**, c=${connections}, ${rounds} rounds of ${seconds} s per side, one side at a time: CPU per request over the windows (/proc, profiler on) ${cpu}; gateway / peer ${(results[0].cpuMsPerReq / results[1].cpuMsPerReq).toFixed(2)}.`,
    '',
    renderParts(results),
    '',
    ...own,
  ].join('\n');
}

function updatePerformanceDoc(table: string): void {
  updateDocSection('bench', table);
}

/** Replaces what stands between `<!-- name:start -->` and `<!-- name:end -->` in docs/PERFORMANCE.md. */
function updateDocSection(name: string, text: string): void {
  const url = new URL('docs/PERFORMANCE.md', root);
  const doc = readFileSync(url, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const before = doc.slice(0, doc.indexOf(start) + start.length);
  const after = doc.slice(doc.indexOf(end));
  writeFileSync(url, `${before}\n${text}\n${after}`);
}

async function soak(side: Side, pid: number): Promise<void> {
  autocannon(side, 64, WARMUP_S * 5);
  const start = statusKb(pid, 'VmRSS') / 1024;
  const run = autocannon(side, 64, SOAK_S);
  const end = statusKb(pid, 'VmRSS') / 1024;
  const peak = statusKb(pid, 'VmHWM') / 1024;
  const change = (end - start) / start;
  const line = `Soak: close at c=64 for ${SOAK_S} s, ${run.requests} requests (${run.rps.toFixed(0)} req/s), ${run.errors} errors. RSS start ${start.toFixed(1)} MB, end ${end.toFixed(1)} MB (${(change * 100).toFixed(1)}%), peak ${peak.toFixed(1)} MB.`;
  process.stdout.write(`${line}\n`);
  updateDocSection('soak', line);
  mkdirSync(new URL('bench/results/', root), { recursive: true });
  writeFileSync(new URL('bench/results/soak-latest.json', root), JSON.stringify({ date: new Date().toISOString(), seconds: SOAK_S, requests: run.requests, rps: run.rps, errors: run.errors, rssStartMb: start, rssEndMb: end, peakRssMb: peak, change }, null, 2));
}

await main();
stopping = true;
for (const child of children) child.kill('SIGTERM');
process.exit(0);
