// A conversion run in its own process, for the kill-and-restart test: node child-run.ts '<json>'
// with { lockFile, cacheDir, outDir, concurrency }. Exit 0 when the output was written, 1 on a failure.

import { readFile } from 'node:fs/promises';
import { convertAndWrite, syntheticConverter } from './helpers.ts';

const o = JSON.parse(process.argv[2]!) as { lockFile: string; cacheDir: string; outDir: string; concurrency: number };
const r = await convertAndWrite(syntheticConverter(), o.lockFile, await readFile(o.lockFile, 'utf8'), o.outDir, {
  cacheDir: o.cacheDir, concurrency: o.concurrency, retries: 3, backoffMs: 5, maxDelayMs: 50, timeoutMs: 5_000,
});
if (r.error) {
  process.stderr.write(`${(r.error as Error).message}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`${r.result!.artifacts.length} artifacts\n`);
}
