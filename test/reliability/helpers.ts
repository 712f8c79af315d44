// Shared by the reliability tests (fixtures/test/reliability-*.test.ts): a loopback server serving the
// synthetic artifacts, a cache checker, a run that converts and writes output like the CLI does, and a
// counter of the cases tried (printed at the end of each file).

import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CollectingReporter,
  convertText,
  createPrefetcher,
  writeFilesAtomic,
  type ConvertResult,
  type Converter,
  type HttpPrefetcher,
  type PrefetcherOptions,
} from '../../core/src/index.ts';
import { contentBytes } from '../../bench/content.ts';
import { servedArtifacts, type ServedArtifact } from '../../bench/generate.ts';
import { startServer, type FixtureServer } from '../../fixtures/src/server.ts';

export { servedArtifacts, servedLock } from '../../bench/generate.ts';
export { syntheticConverter, syntheticLock } from '../../bench/synthetic.ts';

/** The fixture server with the bench route /art/<seed>/<size>/<file> (bytes made on the fly). */
export async function artifactServer(): Promise<FixtureServer> {
  const s = await startServer();
  s.route('GET', '/art/:seed/:size/:file', (_req, res, p) => {
    const body = contentBytes(p.seed!, Number(p.size));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  return s;
}

/** Small artifacts for fault runs: 1–6 KiB, so that body faults (truncate, reset after N bytes) bite. */
export function smallArtifacts(baseUrl: string, n: number, salt: string): ServedArtifact[] {
  return servedArtifacts(baseUrl, n, { salt, lo: 1024, hi: 6 * 1024 });
}

export const pathOf = (a: ServedArtifact): string => new URL(a.url).pathname;
export const sri = (hex: string): string => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;

/** Fast settings: many attempts, tiny back-off, short idle timeout, all on loopback. */
export const FAST: PrefetcherOptions = { retries: 4, backoffMs: 5, maxDelayMs: 50, timeoutMs: 10_000, concurrency: 16 };

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  let names;
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of names) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}
export { walk as listFiles };

/**
 * Problems in a download cache: a blob or digest entry whose bytes do not hash to its name, an index entry that
 * does not parse or names a present blob of other content. A missing blob behind an index entry is a miss, not
 * corruption.
 */
export async function cacheProblems(root: string): Promise<string[]> {
  const problems: string[] = [];
  // blobs/sha256/<sha256>, or blobs/sha256/ab/<sha256> (older versions)
  const blobs = new Map<string, string>();
  for (const f of await walk(join(root, 'blobs', 'sha256'))) {
    const name = f.split('/').pop()!;
    const actual = createHash('sha256').update(await readFile(f)).digest('hex');
    if (actual !== name) problems.push(`blob ${name} holds bytes with sha256 ${actual}`);
    else blobs.set(name, f);
  }
  // digests/<algo>/<hex>: a link of a blob, or a download's only name (verified by its sha512 alone)
  for (const f of await walk(join(root, 'digests'))) {
    const [algo, name] = f.slice(join(root, 'digests').length + 1).split('/') as [string, string];
    const actual = createHash(algo).update(await readFile(f)).digest('hex');
    if (actual !== name) problems.push(`digest entry ${algo}/${name} holds bytes with ${algo} ${actual}`);
  }
  for (const f of await walk(join(root, 'index'))) {
    const text = await readFile(f, 'utf8');
    const kind = f.slice(join(root, 'index').length + 1).split('/')[0];
    let sha256: string;
    try {
      sha256 = kind === 'url' ? (JSON.parse(text) as { sha256: string }).sha256 : text.trim();
    } catch {
      problems.push(`index entry ${f} does not parse: ${JSON.stringify(text.slice(0, 80))}`);
      continue;
    }
    if (!/^[0-9a-f]{64}$/.test(sha256)) problems.push(`index entry ${f} names ${JSON.stringify(sha256)}`);
    else if (kind !== 'url' && blobs.has(sha256)) {
      const algo = kind === 'sha1' ? 'sha1' : kind === 'sha512' ? 'sha512' : undefined;
      if (algo) {
        const got = createHash(algo).update(await readFile(blobs.get(sha256)!)).digest('hex');
        if (got !== f.split('/').pop()) problems.push(`index ${algo} ${f.split('/').pop()} points at a blob whose ${algo} is ${got}`);
      }
    }
  }
  return problems;
}

/**
 * Entries that point at nothing: a digest link (digests/<algo>/<hex>) that has other names but is not the same
 * file as a blob (a digest entry that is its file's only name is a download of its own: one verified by its
 * sha512 alone), a record (index/...) naming a blob that is not there. A normal run leaves none; `lock2nix cache
 * prune` must not.
 */
export async function danglingEntries(root: string): Promise<string[]> {
  const out: string[] = [];
  const names = new Set<string>();
  const inodes = new Set<number>();
  for (const f of await walk(join(root, 'blobs', 'sha256'))) {
    names.add(f.split('/').pop()!);
    inodes.add((await stat(f)).ino);
  }
  for (const f of await walk(join(root, 'digests'))) {
    const st = await stat(f);
    if (st.nlink > 1 && !inodes.has(st.ino)) out.push(`digest link ${f} is no blob's file`);
  }
  for (const f of await walk(join(root, 'index'))) {
    const text = await readFile(f, 'utf8');
    const kind = f.slice(join(root, 'index').length + 1).split('/')[0];
    let sha256 = '';
    try {
      sha256 = kind === 'url' ? (JSON.parse(text) as { sha256: string }).sha256 : text.trim();
    } catch {
      // cacheProblems reports it
    }
    if (!names.has(sha256)) out.push(`record ${f} names a missing blob ${sha256}`);
  }
  return out;
}

/** Output files left half-written: temporaries of writeFilesAtomic, or anything else not in `expected`. */
export async function strayOutput(outDir: string, expected: string[]): Promise<string[]> {
  const files = (await walk(outDir)).map((f) => f.slice(outDir.length + 1)).sort();
  return files.filter((f) => !expected.includes(f));
}

export interface RunOutcome {
  result?: ConvertResult;
  error?: unknown;
  reporter: CollectingReporter;
}

/** Convert and, on success, write `<outDir>/synthetic.json` all at once, like the CLI's project run. */
export async function convertAndWrite(conv: Converter, file: string, text: string, outDir: string, opts: PrefetcherOptions & { offline?: boolean }): Promise<RunOutcome> {
  const reporter = new CollectingReporter();
  const prefetcher: HttpPrefetcher = createPrefetcher({ ...opts, reporter });
  try {
    const result = await convertText(conv, file, text, { projectDir: join(file, '..'), offline: Boolean(opts.offline), prefetcher, reporter, env: {} });
    await writeFilesAtomic(new Map([[join(outDir, 'synthetic.json'), result.text]]));
    return { result, reporter };
  } catch (error) {
    return { error, reporter };
  } finally {
    await prefetcher.close();
  }
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Counts cases per file and prints the total once, so CI logs show how much was tried. */
export class CaseCounter {
  private readonly counts = new Map<string, number>();
  private readonly suite: string;
  constructor(suite: string) {
    this.suite = suite;
  }
  add(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }
  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  print(): void {
    const parts = [...this.counts].map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`reliability ${this.suite}: ${this.total} cases tried (${parts})`);
  }
}

/** Parses in a worker thread with a watchdog: a parse that does not finish in `limitMs` is stopped and reported. */
export class ParseSandbox {
  private worker: import('node:worker_threads').Worker | undefined;
  private next = 0;
  private readonly limitMs: number;
  constructor(limitMs = 3_000) {
    this.limitMs = limitMs;
  }
  private async start(): Promise<import('node:worker_threads').Worker> {
    if (!this.worker) {
      const { Worker } = await import('node:worker_threads');
      this.worker = new Worker(new URL('./parse-worker.ts', import.meta.url));
      this.worker.unref();
    }
    return this.worker;
  }
  /** The parser's reply, or `hung` when it was stopped after the limit. */
  async parse(eco: string, file: string, text: string): Promise<import('./parse-worker.ts').ParseReply | { hung: true }> {
    const w = await this.start();
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        w.off('message', onMessage);
        w.off('error', onError);
        this.worker = undefined;
        void w.terminate().then(() => resolve({ hung: true }));
      }, this.limitMs);
      const onMessage = (m: import('./parse-worker.ts').ParseReply) => {
        if (m.id !== id) return;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        resolve(m);
      };
      const onError = (e: Error) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        this.worker = undefined;
        reject(e);
      };
      w.on('message', onMessage);
      w.once('error', onError);
      w.postMessage({ id, eco, file, text });
    });
  }
  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
