/**
 * The traced scenarios' collector: an OTLP/HTTP receiver that counts what it is sent (exports,
 * bytes, spans) and keeps nothing. `GET /stats` answers the counts, so the bench can tell how
 * many spans each request exported (fewer than it made: the batch processor dropped some).
 */
import { createServer } from 'node:http';
import { decodeProtobuf } from '../test/support/otlp-receiver.js';

const counts = { exports: 0, bytes: 0, spans: 0 };
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    counts.exports++;
    counts.bytes += body.length;
    counts.spans += decodeProtobuf(body).length;
    // An empty ExportTraceServiceResponse: everything accepted.
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
