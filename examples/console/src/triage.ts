// Runs the triage flow against a gateway and prints each step:
//
//   npm start                                   # the gateway and the simulator, in another terminal
//   npx tsx examples/console/src/triage.ts      # documents sent as text
//   npx tsx examples/console/src/triage.ts --ids   # documents sent by id (a gateway with TRUSTED_DOCUMENTS)
//
// Settings (environment): GATEWAY_URL (http://127.0.0.1:4000/graphql), PTA_USER / PTA_PASSWORD
// (demo / demo, the simulator's user), PAGE_SIZE (5), DOCUMENTS (text | ids; --ids is DOCUMENTS=ids).
import { WebSocket } from 'ws';
import { TriageConsole, type DocumentDelivery } from './client.js';
import { runTriage } from './flow.js';

const env = process.env;
const documents: DocumentDelivery = process.argv.includes('--ids') || env.DOCUMENTS === 'ids' ? 'ids' : 'text';
const url = env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';

// Node 20 has no WebSocket of its own: the `ws` package's.
const client = new TriageConsole({ url, documents, webSocketImpl: WebSocket });
console.log(`gateway: ${url}`);
try {
  await runTriage(client, {
    username: env.PTA_USER ?? 'demo',
    password: env.PTA_PASSWORD ?? 'demo',
    pageSize: Number(env.PAGE_SIZE ?? 5),
    pages: 2,
    closeReason: 'NOT_REAL',
    reasonText: 'False positive: a known admin station',
    changeTimeoutMs: 15_000,
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error(`triage failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await client.dispose();
}
