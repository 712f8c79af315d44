// The floor of (2) for a Node.js client: the least work any verify-mode prefetch in Node must do, with nothing
// else. It downloads each URL with undici's Agent (keep-alive, as many at once as asked), hashes the body with
// sha512 (to check it against the expected digest; the file is named by it), writes it to a temp file and renames
// it into place. No lockfile parsing, no cache lookups, retries, redirects, reporting, output or error messages.
// `pnpm bench` times it beside lock2nix and curl, so the table shows how much of the gap to curl is Node itself.
// Usage: node bench/floor.ts LIST.json OUTDIR CONCURRENCY, where LIST.json is [{ "url", "sha512" (base64) }];
// prints one JSON line { ok, files }.

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

// the part of undici's dispatcher API used here (undici is core's dependency, not the benchmark's)
interface Handler {
  onRequestStart(): void;
  onResponseStart(controller: unknown, status: number): void;
  onResponseData(controller: unknown, chunk: Buffer): void;
  onResponseEnd(): void;
  onResponseError(controller: unknown, e: Error): void;
}
interface Agent {
  dispatch(opts: { origin: string; path: string; method: 'GET'; headers: Record<string, string> }, handler: Handler): boolean;
  close(): Promise<void>;
}

const [listFile, outDir, concurrency] = process.argv.slice(2) as [string, string, string];
const list = JSON.parse(readFileSync(listFile, 'utf8')) as { url: string; sha512: string }[];
mkdirSync(`${outDir}/tmp`, { recursive: true });
mkdirSync(`${outDir}/blobs`, { recursive: true });
// the dispatcher module alone, from core's dependencies, as lock2nix loads it (undici's index also loads fetch,
// WebSocket and more)
const AgentClass = createRequire(new URL('../core/package.json', import.meta.url))('undici/lib/dispatcher/agent.js') as new (o: { connections: number }) => Agent;
const agent = new AgentClass({ connections: Number(concurrency) });

let made = 0;
function download(item: { url: string; sha512: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(item.url);
    const tmp = `${outDir}/tmp/${made++}`;
    const fd = openSync(tmp, 'wx');
    const h512 = createHash('sha512');
    let pos = 0;
    let status = 0;
    const handler: Handler = {
      onRequestStart() {},
      onResponseStart(_c, code) {
        status = code;
      },
      onResponseData(_c, chunk) {
        h512.update(chunk);
        for (let off = 0; off < chunk.length; ) {
          const n = writeSync(fd, chunk, off, chunk.length - off, pos);
          off += n;
          pos += n;
        }
      },
      onResponseEnd() {
        closeSync(fd);
        if (status !== 200) return reject(new Error(`${item.url}: HTTP ${status}`));
        const digest = h512.digest();
        if (digest.toString('base64') !== item.sha512) return reject(new Error(`${item.url}: sha512 mismatch`));
        renameSync(tmp, `${outDir}/blobs/${digest.toString('hex')}`);
        resolve();
      },
      onResponseError(_c, e) {
        closeSync(fd);
        reject(e);
      },
    };
    agent.dispatch({ origin: u.origin, path: u.pathname + u.search, method: 'GET', headers: { 'user-agent': 'lock2nix-bench-floor' } }, handler);
  });
}

let next = 0;
async function lane(): Promise<void> {
  while (next < list.length) await download(list[next++]!);
}
await Promise.all(Array.from({ length: Number(concurrency) }, lane));
await agent.close();
process.stdout.write(`${JSON.stringify({ ok: true, files: list.length })}\n`);
