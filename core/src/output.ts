// Writing output: every file whole or not at all, and `--check` to tell a stale committed output.

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StaleOutputError } from './errors.ts';

/**
 * Write all files: first every one to a temporary sibling, check that every target can be replaced, then
 * rename them into place. A failure leaves every previous file untouched and no temporary behind.
 */
export async function writeFilesAtomic(files: Map<string, string>): Promise<void> {
  const temps: [string, string][] = [];
  try {
    for (const [path, text] of files) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      temps.push([tmp, path]);
      await writeFile(tmp, text, { flag: 'wx' });
    }
    // a rename cannot replace a folder: find that out before the first rename, not halfway through
    for (const [, path] of temps) {
      const st = await lstat(path).catch(() => undefined);
      if (st?.isDirectory()) throw new Error(`cannot write ${path}: a folder is in the way`);
    }
    for (const [tmp, path] of temps) await rename(tmp, path);
  } catch (e) {
    await Promise.all(temps.map(([tmp]) => rm(tmp, { force: true })));
    throw e;
  }
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A short summary of how `before` differs from `after`, line-wise. */
export function diffSummary(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const setA = new Map<string, number>();
  for (const l of a) setA.set(l, (setA.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of b) {
    const n = setA.get(l) ?? 0;
    if (n > 0) setA.set(l, n - 1);
    else added.push(l);
  }
  const removed = [...setA].flatMap(([l, n]) => Array<string>(n).fill(l));
  const show = [...removed.slice(0, 3).map((l) => `  - ${l.trim()}`), ...added.slice(0, 3).map((l) => `  + ${l.trim()}`)];
  return `+${added.length} -${removed.length} lines\n${show.join('\n')}`;
}

/** Compare would-be output with what is on disk; throws StaleOutputError listing each stale file. */
export async function checkFiles(files: Map<string, string>): Promise<void> {
  const stale: string[] = [];
  for (const [path, text] of files) {
    const old = await readOrUndefined(path);
    if (old === undefined) stale.push(`${path}: missing`);
    else if (old !== text) stale.push(`${path}: stale (${diffSummary(old, text)})`);
  }
  if (stale.length) throw new StaleOutputError(`output is not up to date:\n${stale.join('\n')}`);
}
