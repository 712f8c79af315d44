// The loopback registry for the benchmarks, in its own process so that serving does not compete with the
// client being measured for one event loop. Prints its base URL as one JSON line, then serves until stdin
// closes or it is signalled.
//   GET /art/<seed>/<size>/<file>  `size` bytes of contentBytes(seed)
//   GET /big/<seed>/<size>/<file>  the same, streamed in 1 MiB chunks (for artifacts too large to hold)
//   GET /lat/<ms>/<seed>/<size>/<file>  as /art, answered after waiting <ms> milliseconds

import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startServer } from '../fixtures/src/server.ts';
import { contentBytes, contentChunks } from './content.ts';

const server = await startServer();
/** Answer with `size` bytes of contentBytes(seed), in one piece. */
function sendArt(res: ServerResponse, seed: string, size: number): void {
  const body = contentBytes(seed, size);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}
server.route('GET', '/art/:seed/:size/:file', (_req, res, p) => sendArt(res, p.seed!, Number(p.size)));
server.route('GET', '/lat/:ms/:seed/:size/:file', (_req, res, p) => void setTimeout(() => sendArt(res, p.seed!, Number(p.size)), Number(p.ms)));
server.route('GET', '/big/:seed/:size/:file', async (_req, res, p) => {
  const size = Number(p.size);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  await pipeline(Readable.from(contentChunks(p.seed!, size)), res).catch(() => undefined);
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
