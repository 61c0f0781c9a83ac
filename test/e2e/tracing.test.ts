import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

/**
 * Tracing in the built gateway as a process (`node dist/main.js`): the SDK is not even loaded
 * when tracing is off; on, the last spans are exported at shutdown, within a bound whatever the
 * collector does; a protocol it cannot send is refused at start.
 */

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const PRELOAD = new URL('./support/loaded-modules.mjs', import.meta.url).pathname;
const LIST = JSON.stringify({ query: 'query Listed { securityEvents(first: 1) { totalCount } }' });

interface Run {
  /** JSON log lines (stdout), and stderr's text, once the process has exited. */
  lines: Array<Record<string, any>>;
  stderr: string;
  code: number | null;
  /** ms from the signal to the exit. */
  stopMs: number;
}

/** Runs the built gateway with `env` (no OTEL_* but these), sends one query, then SIGTERM; resolves when it has exited. */
async function runOnce(env: Record<string, string>): Promise<Run> {
  const parentEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && name !== 'NODE_ENV'));
  const child = spawn(process.execPath, ['--import', PRELOAD, MAIN], {
    env: { ...parentEnv, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, any>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as Record<string, any>;
      lines.push(line);
      if (line.msg === 'pta-gateway listening') resolve(line.url as string);
    });
    void exited.then(([code]) => reject(new Error(`the gateway exited (${code}) before listening: ${stderr}`)));
  });
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'demo-token' }, body: LIST });
  expect(answer.status).toBe(200);
  const signalled = performance.now();
  child.kill('SIGTERM');
  const [code] = await exited;
  return { lines, stderr, code, stopMs: performance.now() - signalled };
}

const loadedPackages = (stderr: string) => JSON.parse(/opentelemetry packages loaded: (.*)/.exec(stderr)![1]) as string[];

describe('tracing in the built gateway', () => {
  let sim: Simulator;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    sim = await startSimulator({ eventCount: 5 });
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('off: loads no OpenTelemetry SDK package (the API alone, which prom-client loads)', async () => {
    const run = await runOnce({ PVWA_URL: sim.url });
    expect(run.code).toBe(0);
    expect(loadedPackages(run.stderr)).toEqual(['@opentelemetry/api']);
    expect(run.lines.find((line) => line.msg === 'graphql request')).not.toHaveProperty('traceId');
  });

  it('on: exports the last spans at SIGTERM, though the batch delay has not passed', async () => {
    // OTEL_BSP_SCHEDULE_DELAY is the SDK's default, 5 s: only the flush at shutdown sends them.
    const run = await runOnce({ PVWA_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'pta-gateway-e2e' });
    expect(run.code).toBe(0);
    expect(run.lines.find((line) => line.msg === 'tracing on: spans exported over OTLP')).toMatchObject({ protocol: 'http/protobuf' });
    const request = run.lines.find((line) => line.msg === 'graphql request')!;
    const spans = receiver.spans().filter((span) => span.traceId === request.traceId);
    expect(spans.map((span) => span.name).sort()).toEqual(['GET /PasswordVault/API/pta/API/Events/', 'POST /graphql', 'query Listed', 'snapshot read']);
    expect(spans.find((span) => span.spanId === request.spanId)?.resource['service.name']).toBe('pta-gateway-e2e');
    expect(loadedPackages(run.stderr)).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-proto']));
    expect(loadedPackages(run.stderr)).not.toContain('@opentelemetry/exporter-trace-otlp-http');
  });

  it('on, with a collector that never answers: still exits, the flush cut at its bound and logged', async () => {
    const silent: Server = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const run = await runOnce({ PVWA_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      expect(run.code).toBe(0);
      expect(run.lines.find((line) => line.msg === 'the last spans were not all exported')).toMatchObject({ level: 'warn', traces: 'timed out' });
      expect(run.stopMs).toBeLessThan(5_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('refuses a protocol it cannot send, with one line naming the variable', () => {
    const run = spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, NODE_OPTIONS: '', PVWA_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf (the default) or http/json.\n');
  });
});
