// Every fault mode mixed at random over a few hundred small artifacts; a child process killed mid-run and
// restarted; two processes sharing one cache. Afterwards: no corrupt cache entry, no temp file visible as an
// entry, every unrecoverable case reported with package, URL and cause.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seededRandom, startServer, type Fault, type FixtureServer } from '@lock2nix/fixtures';
import { CollectingReporter, FetchError, HashMismatchError, createPrefetcher } from '../src/index.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const rng = seededRandom;

let server: FixtureServer;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-chaos-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(root, n);
    if ((await stat(p)).isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/** Every blob is named by the sha256 of its bytes; every index and digest entry points at a blob that exists. */
async function checkCache(cache: string): Promise<number> {
  const blobs = await walk(join(cache, 'blobs'));
  for (const b of blobs) expect(sha256(await readFile(b)), b).toBe(b.split('/').pop());
  for (const i of await walk(join(cache, 'index', 'url'))) {
    const { sha256: h } = JSON.parse(await readFile(i, 'utf8')) as { sha256: string };
    expect(blobs.some((b) => b.endsWith(h)), i).toBe(true);
  }
  // digest entries: links of a blob whose digest is the entry's name
  for (const i of await walk(join(cache, 'digests'))) {
    const [algo, hex] = i.split('/').slice(-2) as ['sha1' | 'sha512', string];
    const bytes = await readFile(i);
    expect(createHash(algo).update(bytes).digest('hex'), i).toBe(hex);
    expect(blobs.some((b) => b.endsWith(sha256(bytes))), i).toBe(true);
  }
  return blobs.length;
}

const SEED = Number(process.env.LOCK2NIX_CHAOS_SEED ?? 20261121);

describe('chaos', () => {
  test(`every fault mode mixed at random over 300 artifacts (seed ${SEED})`, async () => {
    const random = rng(SEED);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    // each recoverable fault with the number of failed attempts it costs (the budget is retries - 1 = 3)
    const recoverable: (() => [Fault, number])[] = [
      () => {
        const times = 1 + Math.floor(random() * 2);
        return [{ kind: 'status', status: pick([500, 502, 503, 504]), times }, times];
      },
      () => [{ kind: 'status', status: 429, times: 1, retryAfter: '0' }, 1],
      () => [{ kind: 'status', status: 503, times: 1, retryAfter: new Date(Date.now() - 1000).toUTCString() }, 1],
      () => [{ kind: 'reset', times: 1, afterBytes: Math.floor(random() * 3000) }, 1],
      () => [{ kind: 'truncate', times: 1, keepBytes: Math.floor(random() * 3000) }, 1],
      () => [{ kind: 'wrong-bytes', times: 1 }, 1],
      () => [{ kind: 'slow', times: 1, delayMs: 50 + Math.floor(random() * 100) }, 0],
      () => [{ kind: 'slow-body', times: 1, delayMs: 5, chunkBytes: 512 }, 0],
      () => [{ kind: 'redirect', times: 1, chain: 1 + Math.floor(random() * 5), status: pick([301, 302, 303, 307, 308] as const) }, 0],
    ];
    type Job = { pkg: string; url: string; body: Buffer; fate: 'ok' | 'missing' | 'down' | 'corrupt' | 'loop'; faults: Fault[] };
    const jobs: Job[] = [];
    for (let i = 0; i < 300; i++) {
      const body = randomBytes(500 + Math.floor(random() * 6000));
      const path = `/c/${i}/pkg-${i}.tgz`;
      const r = random();
      const fate: Job['fate'] = r < 0.02 ? 'missing' : r < 0.04 ? 'down' : r < 0.06 ? 'corrupt' : r < 0.08 ? 'loop' : 'ok';
      if (fate !== 'missing') server.file(path, body);
      if (fate === 'down') server.fault(`/c/${i}/`, { kind: 'status', status: 503 });
      if (fate === 'corrupt') server.fault(`/c/${i}/`, { kind: 'wrong-bytes' });
      if (fate === 'loop') server.fault(`/c/${i}/`, { kind: 'redirect', chain: 10_000 });
      const faults: Fault[] = [];
      if (fate === 'ok') {
        // up to 4 faults stacked, applied in order, within the retry budget; wrong bytes at most once
        let budget = 3;
        let wrong = false;
        const n = Math.floor(random() * 5);
        for (let k = 0; k < n; k++) {
          const [f, cost] = pick(recoverable)();
          if (cost > budget || (f.kind === 'wrong-bytes' && wrong)) continue;
          budget -= cost;
          wrong ||= f.kind === 'wrong-bytes';
          server.fault(`/c/${i}/`, f);
          faults.push(f);
        }
      }
      jobs.push({ pkg: `pkg-${i} 1.0.${i}`, url: `${server.url}${path}`, body, fate, faults });
    }
    const cache = join(dir, 'mix');
    const reporter = new CollectingReporter();
    const pf = createPrefetcher({ cacheDir: cache, concurrency: 16, backoffMs: 5, maxDelayMs: 100, timeoutMs: 10_000, retries: 4, maxRedirects: 10, reporter });
    const t0 = Date.now();
    const results = await Promise.allSettled(jobs.map((j) => pf.file({ urls: [j.url], pkg: j.pkg, expect: { algo: 'sha256', hex: sha256(j.body) } })));
    await pf.close();
    const elapsed = Date.now() - t0;
    const counts: Record<string, number> = {};
    results.forEach((r, i) => {
      const j = jobs[i]!;
      counts[j.fate] = (counts[j.fate] ?? 0) + 1;
      if (j.fate === 'ok') {
        expect(r.status, `${j.pkg} (size ${j.body.length}, faults ${JSON.stringify(j.faults)}): ${r.status === 'rejected' ? (r.reason as Error).message : ''}`).toBe('fulfilled');
        if (r.status === 'fulfilled') expect(r.value.digests.sha256).toBe(sha256(j.body));
        return;
      }
      expect(r.status, j.pkg).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as Error;
      expect(e.message).toContain(j.pkg);
      expect(e.message).toContain(j.url);
      if (j.fate === 'missing') expect(e.message).toMatch(/: HTTP 404$/);
      if (j.fate === 'down') expect(e.message).toMatch(/: HTTP 503 \(after 4 attempts\)$/);
      if (j.fate === 'loop') expect(e.message).toMatch(/more than 10 redirects/);
      if (j.fate === 'corrupt') {
        expect(e).toBeInstanceOf(HashMismatchError);
        expect((e as HashMismatchError).expected).toBe(`sha256-${Buffer.from(sha256(j.body), 'hex').toString('base64')}`);
      } else {
        expect(e).toBeInstanceOf(FetchError);
      }
    });
    const ok = counts.ok ?? 0;
    expect(await checkCache(cache)).toBe(ok);
    expect(await readdir(join(cache, 'tmp'))).toEqual([]);
    const retries = reporter.events.filter((e) => e.type === 'retry').length;
    // every download that started ended, once: fetched, or failed (what the progress bar counts)
    const starts = reporter.events.filter((e) => e.type === 'fetch-start').length;
    const ends = reporter.events.filter((e) => (e.type === 'fetch-done' && !e.cached) || e.type === 'fetch-failed').length;
    expect(ends).toBe(starts);
    expect(reporter.events.filter((e) => e.type === 'fetch-failed').length).toBeGreaterThanOrEqual(jobs.length - ok);
    console.log(`chaos: ${jobs.length} artifacts (${JSON.stringify(counts)}), ${retries} retries, ${server.log.length} requests, ${elapsed} ms`);
    server.clearFaults();
  }, 120_000);
});

describe('processes', () => {
  const child = fileURLToPath(new URL('./fetch-child.ts', import.meta.url));
  const N = 120;
  let jobsFile: string;
  let bodies: Buffer[];

  beforeAll(async () => {
    bodies = Array.from({ length: N }, () => randomBytes(20_000 + Math.floor(Math.random() * 20_000)));
    bodies.forEach((b, i) => server.file(`/k/${i}/f.bin`, b));
    jobsFile = join(dir, 'jobs.json');
    await writeFile(jobsFile, JSON.stringify(bodies.map((b, i) => ({ url: `${server.url}/k/${i}/f.bin`, sha256: sha256(b), pkg: `k${i} 1` }))));
  });

  function runChild(cache: string, killAfter?: number): Promise<{ code: number | null; signal: string | null; done: number; out: string }> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [child, cache, jobsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let done = 0;
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        done = out.split('\n').filter((l) => l.startsWith('done ')).length;
        if (killAfter !== undefined && done >= killAfter && p.exitCode === null) p.kill('SIGKILL');
      });
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('close', (code, signal) => resolve({ code, signal, done, out }));
    });
  }

  test('a run killed mid-download resumes: completed entries reused, no corrupt entry, no visible temp file', async () => {
    const cache = join(dir, 'killed');
    // bodies trickle out, so several downloads are in flight (and temp files open) when the kill lands
    server.fault('/k/', { kind: 'slow-body', delayMs: 15, chunkBytes: 4096 });
    const first = await runChild(cache, 30);
    expect(first.signal).toBe('SIGKILL');
    const tmpAfterKill = await readdir(join(cache, 'tmp')).catch(() => []);
    const kept = await checkCache(cache);
    expect(kept).toBeGreaterThanOrEqual(30);
    expect(kept).toBeLessThan(N);
    server.clearFaults();
    server.log.length = 0;
    const reqsBefore = server.requests.length;
    const second = await runChild(cache);
    expect(second.code, second.out).toBe(0);
    expect(second.done).toBe(N);
    // only what the first run had not finished went over the network again
    expect(server.log.filter((l) => l.startsWith('GET /k/')).length).toBe(N - kept);
    expect(await checkCache(cache)).toBe(N);
    expect(await readdir(join(cache, 'tmp'))).toEqual([]);
    // downloads cut by the kill continued where they stopped (Range), and no partial download is left
    const resumed = server.requests.slice(reqsBefore).filter((r) => typeof r.headers.range === 'string').length;
    const partialsAfterKill = (await walk(join(cache, 'partial'))).length;
    expect(resumed).toBeGreaterThanOrEqual(1);
    expect(await walk(join(cache, 'partial'))).toEqual([]);
    console.log(`killed run: ${kept}/${N} entries kept, ${tmpAfterKill.length} temp files left by the kill (swept on restart), ${resumed} downloads resumed with Range`);
    void partialsAfterKill;
  }, 120_000);

  test('two processes on one cache at once', async () => {
    const cache = join(dir, 'shared');
    server.fault('/k/', { kind: 'slow-body', times: 200, delayMs: 1, chunkBytes: 8192 });
    const [a, b] = await Promise.all([runChild(cache), runChild(cache)]);
    server.clearFaults();
    expect([a.code, b.code], a.out + b.out).toEqual([0, 0]);
    expect(await checkCache(cache)).toBe(N);
    expect(await readdir(join(cache, 'tmp'))).toEqual([]);
  }, 120_000);
});
