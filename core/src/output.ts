// Writing output: every file whole or not at all, and `--check` to tell a stale committed output.

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StaleOutputError } from './errors.ts';
import { joinPieces } from './printing.ts';

const CHUNK = 1 << 20;

/** A file's text: one string, or pieces whose concatenation is the text (written one after the other). */
export type FileText = string | readonly string[];

/** The text of a FileText as one string. */
export function fileText(t: FileText): string {
  return typeof t === 'string' ? t : joinPieces(t);
}

/**
 * Write `text` as UTF-8 to a new file, a megabyte of characters at a time: writing the string whole would first
 * make a second copy of it (a Buffer as large as the file) beside the text; each piece ends before a
 * high surrogate, so that a pair is never split (also where one of several pieces ends and the next begins).
 */
async function writeNewFile(path: string, text: FileText): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    let carry = '';
    for (const piece of typeof text === 'string' ? [text] : text) {
      const s = carry === '' ? piece : carry + piece;
      carry = '';
      for (let i = 0; i < s.length; ) {
        let end = Math.min(s.length, i + CHUNK);
        const c = s.charCodeAt(end - 1);
        if (c >= 0xd800 && c <= 0xdbff) end--;
        if (end === i) {
          // a high surrogate at the very end of this piece: it goes with the start of the next one
          carry = s.slice(i);
          break;
        }
        await fh.write(i === 0 && end === s.length ? s : s.slice(i, end), null, 'utf8');
        i = end;
      }
    }
    if (carry !== '') await fh.write(carry, null, 'utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Write all files: first every one to a temporary sibling, check that every target can be replaced, then
 * rename them into place, then delete the files in `remove` (those the new ones replace under another name, such
 * as a legacy `<name>.nix` data file beside its `<name>.json`). A failure before the renames leaves every
 * previous file untouched and no temporary behind.
 */
export async function writeFilesAtomic(files: Map<string, FileText>, remove: readonly string[] = []): Promise<void> {
  const temps: [string, string][] = [];
  try {
    for (const [path, text] of files) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      temps.push([tmp, path]);
      await writeNewFile(tmp, text);
    }
    // a rename cannot replace a folder: find that out before the first rename, not halfway through
    for (const [, path] of temps) {
      const st = await lstat(path).catch(() => undefined);
      if (st?.isDirectory()) throw new Error(`cannot write ${path}: a folder is in the way`);
    }
    for (const path of remove) {
      const st = await lstat(path).catch(() => undefined);
      if (st?.isDirectory()) throw new Error(`cannot remove ${path}: it is a folder`);
    }
    for (const [tmp, path] of temps) await rename(tmp, path);
    for (const path of remove) await rm(path, { force: true });
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

/**
 * Compare would-be output with what is on disk (and `remove`, files a write would delete); throws
 * StaleOutputError listing each stale file.
 */
export async function checkFiles(files: Map<string, FileText>, remove: readonly string[] = []): Promise<void> {
  const stale: string[] = [];
  for (const path of remove) if ((await lstat(path).catch(() => undefined)) !== undefined) stale.push(`${path}: to be removed (replaced by a newer file)`);
  for (const [path, t] of files) {
    const old = await readOrUndefined(path);
    const text = fileText(t);
    if (old === undefined) stale.push(`${path}: missing`);
    else if (old !== text) stale.push(`${path}: stale (${diffSummary(old, text)})`);
  }
  if (stale.length) throw new StaleOutputError(`output is not up to date:\n${stale.join('\n')}`);
}
