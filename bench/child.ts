// One measured task in a fresh process, so that wall time and peak memory (getrusage maxrss) belong to that
// task alone. Usage: node bench/child.ts '<json task>'; prints one JSON line with the result.
//
// A conversion with a real converter runs the command line itself, as cli/bin/lock2nix.js does (setUpRuntime(),
// then main() with `<eco> --lockfile FILE --out DIR --json`): the same modules loaded, the same work done,
// output written; only stdout is captured. The synthetic converter (core alone) has no command line and goes
// through convertText.

import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { growYoungGeneration, keepYoungGenerationSmall, setUpRuntime } from '../cli/bin/runtime.js';

export type Task =
  | { kind: 'convert'; converter: string; file: string; offline: boolean; cacheDir: string; concurrency?: number }
  | { kind: 'file'; url: string; cacheDir: string; sha256?: string };

export interface TaskResult {
  ok: boolean;
  /** time of the task itself, after loading what is loaded before any work (the CLI's main module, or core) */
  ms: number;
  /** peak resident set of the whole process, MB (see peakMB()) */
  peakMB: number;
  /** resident set after that loading, before the task, MB */
  baseMB: number;
  artifacts?: number;
  pinned?: number;
  unpinned?: number;
  outputBytes?: number;
  pending?: boolean;
  error?: string;
}

type Run = () => Promise<Omit<TaskResult, 'ms' | 'peakMB' | 'baseMB'>>;

interface CliSummary {
  outputs: { name: string; artifacts: number; pinned: number }[];
  unpinned: unknown[];
}

/** What the task will run, with its modules loaded (as the launcher loads them). */
async function prepare(task: Task): Promise<Run> {
  setUpRuntime();
  if (task.kind === 'convert' && task.converter !== 'synthetic') {
    const { main } = await import('../cli/src/main.ts');
    return async () => {
      const dir = dirname(task.file);
      const outDir = join(dir, 'lock2nix-out');
      let stdout = '';
      let stderr = '';
      const argv = [task.converter, '--lockfile', task.file, '--out', outDir, '--cache-dir', task.cacheDir, '--json', ...(task.offline ? ['--offline'] : []), ...(task.concurrency ? ['--concurrency', String(task.concurrency)] : [])];
      const code = await main(argv, { out: (s) => { stdout += s; }, err: (s) => { if (stderr.length < 4096) stderr += s; }, isTTY: false, env: process.env, cwd: dir });
      // 5: --offline left entries unpinned (they are counted, as before)
      if (code !== 0 && code !== 5) return { ok: false, error: `lock2nix exited ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`, ...(/not implemented yet/.test(stderr) ? { pending: true } : {}) };
      const summary = JSON.parse(stdout) as CliSummary;
      const o = summary.outputs[0]!;
      return { ok: true, artifacts: o.artifacts, pinned: o.pinned, unpinned: summary.unpinned.length, outputBytes: (await stat(join(outDir, `${o.name}.json`))).size };
    };
  }
  const { convertText, createPrefetcher, silentReporter } = await import('../core/src/index.ts');
  const { syntheticConverter } = await import('./synthetic.ts');
  const { readFile } = await import('node:fs/promises');
  if (task.kind === 'convert') {
    return async () => {
      // as the command line's fetchSetup() does
      keepYoungGenerationSmall();
      const conv = syntheticConverter();
      const text = await readFile(task.file, 'utf8');
      const prefetcher = createPrefetcher({ cacheDir: task.cacheDir, offline: task.offline, onFirstRequest: growYoungGeneration, ...(task.concurrency ? { concurrency: task.concurrency } : {}) });
      try {
        const r = await convertText(conv, task.file, text, { projectDir: dirname(task.file), offline: task.offline, prefetcher, reporter: silentReporter, env: {} });
        return { ok: true, artifacts: r.artifacts.length, pinned: r.artifacts.filter((a) => a.pin).length, unpinned: r.unpinned.length, outputBytes: Buffer.byteLength(r.text) };
      } finally {
        await prefetcher.close();
      }
    };
  }
  return async () => {
    keepYoungGenerationSmall(); // as `lock2nix prefetch` does
    const prefetcher = createPrefetcher({ cacheDir: task.cacheDir });
    try {
      const f = await prefetcher.file({ urls: [task.url], pkg: 'big', ...(task.sha256 ? { expect: { algo: 'sha256', hex: task.sha256 } } : {}) });
      return { ok: true, outputBytes: f.size };
    } finally {
      await prefetcher.close();
    }
  };
}

/**
 * Peak resident set of this process, MB. getrusage's maxrss of a process forked from the benchmark (libuv
 * forks, then execs) starts at the parent's resident set at the fork, carried over the exec: the ~100 MB of
 * `pnpm bench` itself, not of lock2nix. Linux's VmHWM is the high-water mark of this program's own memory since
 * the exec: what maxrss is for lock2nix started from a shell (`/usr/bin/time -v`). Elsewhere: maxrss.
 */
function peakMB(): number {
  try {
    const m = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

const task = JSON.parse(process.argv[2] ?? '{}') as Task;
const run = await prepare(task);
const baseMB = peakMB();
const t0 = performance.now();
let result: Omit<TaskResult, 'ms' | 'peakMB' | 'baseMB'>;
try {
  result = await run();
} catch (e) {
  const msg = (e as Error).message ?? String(e);
  result = { ok: false, error: msg.split('\n')[0]!.slice(0, 300), ...(/not implemented yet/.test(msg) ? { pending: true } : {}) };
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ...result, ms, peakMB: peakMB(), baseMB })}\n`);
