import WebSocket from 'ws';

/**
 * `npm run bench -- --profile`'s tools: a V8 CPU profile of a server over exactly the load's
 * window, taken through the server's inspector (`--inspect=127.0.0.1:<port>`), and the profile's
 * time per request by the package that spent it. Node's own `--cpu-prof` profiles a whole process
 * (start-up and warm-up included) and is written only on a clean exit; the inspector's Profiler
 * domain starts and stops around the window. The client is a few lines over `ws` (already a
 * dependency): chrome-remote-interface would add a package for three commands.
 */

interface CallFrame { functionName: string; url: string }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** The node's flag that opens its inspector on `port`, loopback only. */
export const inspectFlag = (port: number) => `--inspect=127.0.0.1:${port}`;

/** Connects to the inspector at `port` (its first target: the main thread), and runs `work` between Profiler.start and Profiler.stop. */
export async function profileWhile<T>(port: number, work: () => T | Promise<T>, samplingIntervalUs = 250): Promise<{ result: T; profile: CpuProfile }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const pending = new Map<number, { resolve: (result: any) => void; reject: (error: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(`inspector: ${message.error.message}`));
    else waiting.resolve(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((resolve, reject) => {
      pending.set(++id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await send('Profiler.start');
    const result = await work();
    const { profile } = (await send('Profiler.stop')) as { profile: CpuProfile };
    await send('Profiler.disable');
    return { result, profile };
  } finally {
    socket.close();
  }
}

/** Native functions whose samples are the kernel's socket work (the syscall itself, under Node's stream). */
const SOCKET_NATIVES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String', 'read', 'readStart']);

/** Packages counted with the one that brought them in: a row per library as a reader knows it. */
const FAMILIES: Array<[string, RegExp]> = [
  ['Apollo Server (and its dependencies)', /^(@apollo\/server|@apollo\/utils\..*|@apollo\/usage-reporting-protobuf|@apollo\/protobufjs|@apollo\/cache-control-types|@apollo\/server-gateway-interface|negotiator|content-type|whatwg-mimetype|loglevel|lru-cache|uuid|async-retry|retry|body-parser|cors|express|lodash\.sortby|@graphql-tools\/.*|@josephg\/resolvable|node-abort-controller)$/],
  ['got (and its dependencies)', /^(got|@sindresorhus\/is|@szmarczak\/.*|cacheable-lookup|cacheable-request|decompress-response|http2-wrapper|responselike|lowercase-keys|p-cancelable|form-data-encoder|mimic-response|defer-to-connect|get-stream|keyv|normalize-url|quick-lru|resolve-alpn|type-fest|byte-counter|chunk-data|@sec-ant\/.*|is-stream)$/],
  ['@apollo/datasource-rest (node-fetch, http-cache-semantics, ...)', /^(@apollo\/datasource-rest|node-fetch|http-cache-semantics|lodash\.clonedeep|lodash\.isplainobject|whatwg-url|tr46|webidl-conversions|@apollo\/utils\.fetcher|@apollo\/utils\.keyvaluecache)$/],
  ['graphql-jit', /^(graphql-jit|fast-json-stringify|generate-function|json-schema|lodash\.memoize|lodash\.merge|ajv|fast-deep-equal|fast-uri|json-schema-traverse|require-from-string|ajv-formats|is-property|fast-json-stable-stringify|rfdc)$/],
  ['graphql-js', /^graphql$/],
];

/** The row a sample's function belongs to: the kernel, the collector, Node's core, a library (by family), the server's own code, or V8. */
function part(frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'garbage collection';
  if (!frame.url && SOCKET_NATIVES.has(frame.functionName)) return 'socket reads and writes (kernel)';
  const { url } = frame;
  if (url.includes('node_modules/')) {
    const path = url.split('node_modules/').pop()!.split('/');
    const name = path[0].startsWith('@') ? `${path[0]}/${path[1]}` : path[0];
    return FAMILIES.find(([, pattern]) => pattern.test(name))?.[0] ?? name;
  }
  if (url.startsWith('node:')) return "Node's core (http, net, streams, events, timers)";
  if (url.startsWith('file:') || url.startsWith('/')) return 'own code';
  return 'V8 (program, microtasks, builtins)';
}

/**
 * A profile's self time in microseconds (each sample counts for the function running; idle left
 * out), summed by `keyOf` of the sample's function; samples whose key is null are left out.
 */
function selfTime(profile: CpuProfile, keyOf: (frame: CallFrame) => string | null): Map<string, number> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = frames.get(profile.samples[i])!;
    const key = frame.functionName === '(idle)' ? null : keyOf(frame);
    if (key !== null) totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return totals;
}

/** Self time by part (the rows of the table). */
export const timeByPart = (profile: CpuProfile) => selfTime(profile, part);

/** Self time of one part's functions, by `name file`. */
export const timeByFunction = (profile: CpuProfile, ofPart: string) =>
  selfTime(profile, (frame) => (part(frame) === ofPart ? `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(dist|bench\/peers\/[^/]+|node_modules)\//, '')}` : null));

/** A markdown table of the sides' parts, largest first, with a total row. */
export function renderParts(sides: Array<{ name: string; parts: Map<string, number>; requests: number }>): string {
  const names = [...new Set(sides.flatMap((side) => [...side.parts.keys()]))];
  const largest = (name: string) => Math.max(...sides.map((side) => side.parts.get(name) ?? 0));
  names.sort((a, b) => largest(b) - largest(a));
  const cell = (side: (typeof sides)[number], name: string) => (side.parts.get(name) ?? 0).toFixed(1);
  const lines = [
    `| part | ${sides.map((side) => `${side.name} us/request`).join(' | ')} |`,
    `|---|${sides.map(() => '---').join('|')}|`,
    ...names.map((name) => `| ${name} | ${sides.map((side) => cell(side, name)).join(' | ')} |`),
    `| **total (CPU busy)** | ${sides.map((side) => `**${[...side.parts.values()].reduce((sum, us) => sum + us, 0).toFixed(1)}**`).join(' | ')} |`,
    `| requests profiled | ${sides.map((side) => String(side.requests)).join(' | ')} |`,
  ];
  return lines.join('\n');
}
