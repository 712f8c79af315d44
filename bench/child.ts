// One measured task in a fresh process, so that wall time and peak memory (getrusage maxrss) belong to that
// task alone. Usage: node bench/child.ts '<json task>'; prints one JSON line with the result.
// The process starts the way the lock2nix command does (cli/bin/lock2nix.js): with Node's compile cache on,
// then the modules loaded.

import module from 'node:module';
import type { Converter } from '../core/src/index.ts';

module.enableCompileCache?.();
const { readFile } = await import('node:fs/promises');
const { convertText, createPrefetcher, silentReporter } = await import('../core/src/index.ts');
const { syntheticConverter } = await import('./synthetic.ts');

export type Task =
  | { kind: 'convert'; converter: string; file: string; offline: boolean; cacheDir: string; concurrency?: number }
  | { kind: 'file'; url: string; cacheDir: string; sha256?: string };

export interface TaskResult {
  ok: boolean;
  /** time of the task itself, after module loading */
  ms: number;
  /** peak resident set of the whole process, MB */
  peakMB: number;
  /** resident set after loading modules, before the task, MB */
  baseMB: number;
  artifacts?: number;
  pinned?: number;
  unpinned?: number;
  outputBytes?: number;
  pending?: boolean;
  error?: string;
}

async function converterNamed(name: string): Promise<Converter> {
  if (name === 'synthetic') return syntheticConverter() as Converter;
  const { converterFor } = await import('../cli/src/registry.ts');
  return converterFor(name as Parameters<typeof converterFor>[0]);
}

async function run(task: Task): Promise<Omit<TaskResult, 'ms' | 'peakMB' | 'baseMB'>> {
  if (task.kind === 'convert') {
    const conv = await converterNamed(task.converter);
    const text = await readFile(task.file, 'utf8');
    const prefetcher = createPrefetcher({ cacheDir: task.cacheDir, offline: task.offline, ...(task.concurrency ? { concurrency: task.concurrency } : {}) });
    try {
      const r = await convertText(conv, task.file, text, { projectDir: task.file.replace(/\/[^/]*$/, ''), offline: task.offline, prefetcher, reporter: silentReporter, env: {} });
      return { ok: true, artifacts: r.artifacts.length, pinned: r.artifacts.filter((a) => a.pin).length, unpinned: r.unpinned.length, outputBytes: Buffer.byteLength(r.text) };
    } finally {
      await prefetcher.close();
    }
  }
  const prefetcher = createPrefetcher({ cacheDir: task.cacheDir });
  try {
    const f = await prefetcher.file({ urls: [task.url], pkg: 'big', ...(task.sha256 ? { expect: { algo: 'sha256', hex: task.sha256 } } : {}) });
    return { ok: true, outputBytes: f.size };
  } finally {
    await prefetcher.close();
  }
}

const task = JSON.parse(process.argv[2] ?? '{}') as Task;
const baseMB = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
let result: Omit<TaskResult, 'ms' | 'peakMB' | 'baseMB'>;
try {
  result = await run(task);
} catch (e) {
  const msg = (e as Error).message ?? String(e);
  result = { ok: false, error: msg.split('\n')[0]!.slice(0, 300), ...(/not implemented yet/.test(msg) ? { pending: true } : {}) };
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ...result, ms, peakMB: process.resourceUsage().maxRSS / 1024, baseMB })}\n`);
