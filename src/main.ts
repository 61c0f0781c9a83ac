import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './telemetry/logger.js';
import { reportMemoryBudget } from './memory.js';
import { SessionSecret } from './sessions/seal.js';
import type { Simulator, SimulatorUser } from './simulator/server.js';
import { startTracing, TracingConfigError } from './tracing/start.js';

/**
 * Reads the configuration, starts the embedded simulator when no PVWA_URL is set, starts the
 * gateway, and stops both on SIGTERM / SIGINT.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  // Before the heap grows: V8 reads it at each collection (measured in docs/PERFORMANCE.md, Memory).
  if (config.HEAP_GROWING_PERCENT > 0) setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWING_PERCENT}`);
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  // OpenTelemetry's own variables (OTEL_*), not the Config's: off unless an OTLP endpoint is set.
  const tracing = await startTracing({ logger, serviceVersion: packageVersion() }).catch((error: unknown) => {
    if (!(error instanceof TracingConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}.\n`);
    process.exit(1);
  });
  if (tracing) logger.info({ protocol: tracing.protocol }, 'tracing on: spans exported over OTLP');

  let demo: { simulator: Simulator; token: string; users: SimulatorUser[] } | undefined;
  // Development only: production requires PVWA_URL (config.ts), and is checked again here.
  if (!config.PVWA_URL && config.NODE_ENV !== 'production') {
    // Imported here only: a gateway with a real PVWA never loads the simulator.
    const { startSimulator, DEMO_TOKEN, DEMO_USER, RADIUS_USER } = await import('./simulator/server.js');
    const { loadDevSeed } = await import('./simulator/dev-seed.js');
    // The checkout's seed: the simulator's tokens and the session cookies survive a restart (npm run dev).
    const seed = loadDevSeed();
    const simulator = await startSimulator({ liveIntervalMs: config.SIMULATOR_LIVE_INTERVAL_MS || undefined, tokenSecret: seed.key('simulator tokens') });
    demo = { simulator, token: DEMO_TOKEN, users: [DEMO_USER, RADIUS_USER] };
    config = { ...config, PVWA_URL: simulator.url };
    logger.info({ pvwaUrl: simulator.url, devSeed: seed.path }, 'no PVWA_URL: using the embedded PVWA simulator');
    if (config.SESSION_SECRET === undefined) {
      config = { ...config, SESSION_SECRET: new SessionSecret(seed.key('session secret')) };
      logger.info({ devSeed: seed.path }, 'SESSION_SECRET is unset: on the embedded simulator, session cookies are sealed with this checkout\'s development secret, so they survive a restart');
    }
  }
  // On the simulator, the IDE's headers editor starts with the demo token.
  const ide = demo ? { defaultHeaders: { Authorization: demo.token } } : {};
  // Imported once the configuration is valid: a mistake in it is reported without loading the gateway.
  const { startGateway } = await import('./gateway.js');
  const gateway = await startGateway({ config, logger, ide, tracing });
  reportMemoryBudget(config, logger);

  // The one shutdown path (Apollo's own signal handler is off): the gateway stops in its order
  // (readiness off, delay while still serving, drain, close), then the simulator, then the process.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Should a step hang, the process still ends: the longest the steps may take, plus a margin
    // (which holds the traces' last export, TRACES_FLUSH_MS).
    const limit = setTimeout(() => {
      logger.error({ signal }, 'shutdown took too long: exiting');
      logger.flush(() => process.exit(1));
    }, config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_GRACE_MS + 5_000);
    limit.unref();
    gateway
      .stop()
      // Once drained, the spans of the last requests are exported, within a bound whatever the collector does.
      .then(() => tracing?.shutdown(TRACES_FLUSH_MS))
      .then((traces) => {
        if (traces !== undefined && traces !== 'flushed') logger.warn({ traces }, 'the last spans were not all exported');
      })
      .then(() => demo?.simulator.close())
      .then(
        () => {
          logger.info({ signal }, 'stopped');
          logger.flush(() => process.exit(0));
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          logger.flush(() => process.exit(1));
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // Said only once the signals are handled: whoever waits for this line may stop the process at once.
  logger.info({ url: gateway.url }, 'pta-gateway listening');
  if (config.GRAPHQL_IDE) logger.info({ url: gateway.url }, 'GraphQL IDE: open the GraphQL URL in a browser');
  if (demo) printQuickStart(gateway.url, demo.simulator, demo.token, demo.users, config.GRAPHQL_IDE);
}

/** At shutdown, how long the last spans may take to be exported, in ms (within the 5 s margin of the shutdown limit). */
const TRACES_FLUSH_MS = 2_000;

/** The gateway's version (package.json's, beside src/ and dist/), the traces' `service.version`. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** What a newcomer needs to try the gateway on the simulator's demo data. */
function printQuickStart(url: string, simulator: Simulator, token: string, [user, radius]: SimulatorUser[], ide: boolean): void {
  const mutation = `mutation { updateEventStatus(id: "${String(simulator.openEventId(token))}", status: CLOSED, closeReason: HANDLED, reasonText: "Checked by the SOC") { id status closeReason reasonText lastUpdateTime } }`;
  const curl = `curl -s ${url} -H 'content-type: application/json' -H 'authorization: ${token}' -d '${JSON.stringify({ query: mutation })}'`;
  process.stdout.write(
    [
      '',
      `pta-gateway on the embedded PVWA simulator (${simulator.url})`,
      `  GraphQL:    ${url}`,
      ...(ide ? [`  IDE:        ${url}   (open it in a browser; the demo token is prefilled)`] : []),
      `  Demo token: ${token}   (send it as the Authorization header)`,
      `  Demo user:  ${user.username} / ${user.password}   (log on with the logon mutation; RADIUS: ${radius.username} / ${radius.password}, then the one-time code ${radius.codes?.[0]})`,
      '  Close an event:',
      `  ${curl}`,
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`pta-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
