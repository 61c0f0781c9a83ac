// The benchmark's upstream: the simulator in fast mode (answers prepared in advance), 2,000 events.
import { startSimulator } from '../src/simulator/server.js';

const sim = await startSimulator({ port: Number(process.env.PORT), fast: true, record: false, eventCount: Number(process.env.EVENTS ?? 2000) });
process.stdout.write(`ready ${sim.url}\n`);
process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)));
