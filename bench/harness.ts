// Running measured tasks side by side: child processes with wall time and peak memory, external commands,
// the benchmark server, and the results table.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task, TaskResult } from './child.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const SERVER = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface Timed<T> {
  /** wall time from spawn to exit, ms */
  wallMs: number;
  result: T;
}

/** Run `cmd args` to completion; wall time and exit status; stdout kept when asked. */
export function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; keepStdout?: boolean; timeoutMs?: number } = {}): Promise<Timed<{ status: number | null; stdout: string; stderr: string }>> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { if (opts.keepStdout !== false) stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { if (stderr.length < 64 * 1024) stderr += d.toString(); });
    const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined;
    p.on('error', reject);
    p.on('close', (status) => {
      if (timer) clearTimeout(timer);
      resolve({ wallMs: performance.now() - t0, result: { status, stdout, stderr } });
    });
  });
}

/**
 * The environment of a measured Node process: the compile cache on from the start, as for the launcher's modules:
 * else loading a .ts entry (bench/child.ts, bench/floor.ts) would load Node's type stripper (about 20 MB) that
 * the command line does not load.
 */
export function nodeChildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache') };
}

/** One task in a fresh Node process (bench/child.ts). */
export async function runTask(task: Task, timeoutMs = 600_000): Promise<Timed<TaskResult>> {
  const r = await runCommand(process.execPath, [CHILD, JSON.stringify(task)], { timeoutMs, env: nodeChildEnv() });
  const line = r.result.stdout.trim().split('\n').pop() ?? '';
  try {
    return { wallMs: r.wallMs, result: JSON.parse(line) as TaskResult };
  } catch {
    return { wallMs: r.wallMs, result: { ok: false, ms: r.wallMs, peakMB: NaN, baseMB: NaN, error: `child exited ${r.result.status}: ${r.result.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` } };
  }
}

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/** Start bench/server-child.ts in its own process. */
export async function startBenchServer(): Promise<BenchServer> {
  const p = spawn(process.execPath, [SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: p.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    p.once('exit', (c) => reject(new Error(`bench server exited with ${c}`)));
  });
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      if (p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.stdin.end();
      setTimeout(() => p.kill('SIGKILL'), 5_000).unref();
    }),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Row {
  item: string;
  what: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  /** true: met; false: missed; undefined: not measured (pending, tool missing, failed); 'reference': a figure with no target */
  met: boolean | undefined | 'reference';
}

export const fmtMs = (ms: number): string => (!Number.isFinite(ms) ? 'n/a' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
export const fmtMB = (mb: number): string => (Number.isFinite(mb) ? `${Math.round(mb)} MB` : 'n/a');
export const fmtX = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : 'n/a');

export function markdownTable(rows: Row[]): string {
  const head = ['#', 'measurement', 'lock2nix', 'baseline', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [r.item, r.what, r.ours, r.baseline, r.ratio, r.target, r.met === 'reference' ? '' : r.met === undefined ? '—' : r.met ? 'yes' : 'no']);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...cells.map((c) => `| ${c.map(esc).join(' | ')} |`)].join('\n');
}
