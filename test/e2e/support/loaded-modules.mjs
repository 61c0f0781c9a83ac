// Preloaded (`node --import`) by test/e2e/tracing.test.ts: as the process exits, it writes which
// OpenTelemetry packages were loaded. They are CommonJS, so Node's module cache holds them
// however they were imported.
import { createRequire } from 'node:module';

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const names = new Set();
  for (const path of Object.keys(cache)) {
    const match = /node_modules\/(@opentelemetry\/[^/]+)\//.exec(path);
    if (match) names.add(match[1]);
  }
  process.stderr.write(`opentelemetry packages loaded: ${JSON.stringify([...names].sort())}\n`);
});
