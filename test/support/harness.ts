import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { IdeOptions } from '../../src/http/ide.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { DEMO_TOKEN, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';

export { EVENT_FIELDS } from './fields.js';

const FIXTURES = new URL('../fixtures/pvwa/', import.meta.url);
/** The gateways' SESSION_SECRET in tests (as in production, one is set), so tests can seal and open what they do. */
export const TEST_SECRET_HEX = '6f1c2a9e4b7d3f0812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** A real PVWA payload from test/fixtures/pvwa (provenance in its README). */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export interface GraphQLAnswer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
    extensions?: Record<string, any>;
  };
}

export interface Harness {
  sim: Simulator;
  gateway: Gateway;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, any>>;
  /** The raw log output. */
  logText(): string;
  /** Resolves with the log lines `match` keeps once there are `count` of them (written so far or from now on). */
  logged(match: (line: Record<string, any>) => boolean, count?: number): Promise<Array<Record<string, any>>>;
  /** POSTs a GraphQL request; `token` goes in Authorization as given (null: no header). */
  gql(query: string, variables?: Record<string, unknown>, options?: { token?: string | null; headers?: Record<string, string> }): Promise<GraphQLAnswer>;
  close(): Promise<void>;
}

/** The simulator and the gateway as real HTTP servers on port 0. */
export async function startHarness(
  options: {
    env?: Record<string, string>; simulator?: SimulatorOptions; logLevel?: string; ide?: IdeOptions; onSessionEnded?: GatewayOptions['onSessionEnded']; now?: GatewayOptions['now'];
    tracing?: GatewayOptions['tracing'];
  } = {},
): Promise<Harness> {
  const sim = await startSimulator({ eventCount: 40, ...options.simulator });
  const chunks: string[] = [];
  /** Waiters for log lines, told of each line as it is written. */
  const waiters = new Set<(line: Record<string, any>) => void>();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString('utf8');
      chunks.push(text);
      if (waiters.size > 0) {
        for (const line of text.split('\n').filter(Boolean)) for (const waiter of [...waiters]) waiter(JSON.parse(line) as Record<string, any>);
      }
      callback();
    },
  });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PVWA_URL: sim.url,
    PVWA_RETRY_BASE_MS: '10',
    LOG_LEVEL: options.logLevel ?? 'warn',
    SESSION_SECRET: TEST_SECRET_HEX,
    ...options.env,
  });
  const logger = createLogger({ level: config.LOG_LEVEL, destination });
  let gateway: Gateway;
  try {
    gateway = await startGateway({ config, logger, ide: options.ide, onSessionEnded: options.onSessionEnded, now: options.now, tracing: options.tracing });
  } catch (error) {
    await sim.close();
    throw error;
  }
  const logText = () => chunks.join('');
  return {
    sim,
    gateway,
    get logs() {
      return logText().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    },
    logText,
    logged(match, count = 1) {
      return new Promise((resolve) => {
        const seen = logText().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>).filter(match);
        if (seen.length >= count) return resolve(seen);
        const waiter = (line: Record<string, any>) => {
          if (!match(line)) return;
          seen.push(line);
          if (seen.length < count) return;
          waiters.delete(waiter);
          resolve(seen);
        };
        waiters.add(waiter);
      });
    },
    async gql(query, variables, { token = DEMO_TOKEN, headers = {} } = {}) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token !== null ? { authorization: token } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLAnswer['body'] };
    },
    async close() {
      await gateway.stop();
      await sim.close();
    },
  };
}

/** The gateway's /metrics text. */
export async function metricsText(h: Harness): Promise<string> {
  return (await fetch(h.gateway.url.replace('/graphql', '/metrics'))).text();
}

/** One series' value from /metrics: `name` alone, or with its labels (`name{kind="full"}`); the first series when labels are left out. */
export async function metric(h: Harness, name: string): Promise<number> {
  const line = (await metricsText(h)).split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

/** The upstream calls to the events endpoint the simulator received. */
export function eventCalls(sim: Simulator, method?: string) {
  return sim.requests.filter((r) => /\/api\/pta\/api\/events/i.test(r.path) && (!method || r.method === method));
}
