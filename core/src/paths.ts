// Names from lockfiles become file names in offline caches. They must never leave their folder.

import { Lock2nixError } from './errors.ts';

/**
 * Check that `p` is a plain relative path made of ordinary segments (no absolute path, no `..`, no `.`,
 * no empty segment, no backslash, no NUL or control character) and return it unchanged.
 */
export function safeRelativePath(p: string, what = 'path'): string {
  const bad = (why: string) => new Lock2nixError(`unsafe ${what} ${JSON.stringify(p)}: ${why}`);
  if (p.length === 0) throw bad('empty');
  if (p.startsWith('/')) throw bad('absolute');
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(p)) throw bad('backslash or control character');
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad(`segment ${JSON.stringify(seg)}`);
    if (Buffer.byteLength(seg) > 255) throw bad('segment longer than 255 bytes');
  }
  return p;
}

/** A single file-name segment (no `/` at all). */
export function safeFileName(name: string, what = 'file name'): string {
  if (name.includes('/')) throw new Lock2nixError(`unsafe ${what} ${JSON.stringify(name)}: contains /`);
  return safeRelativePath(name, what);
}

/**
 * A Nix store name (derivation `name`): [A-Za-z0-9+._?=-]+, not starting with '.', at most 211 characters.
 * Other characters become '_' so that any lockfile string yields a valid, stable name.
 */
export function storeName(s: string): string {
  let out = s.replace(/[^A-Za-z0-9+._?=-]/g, '_');
  if (out.startsWith('.')) out = '_' + out.slice(1);
  if (out.length === 0) out = 'source';
  return out.slice(0, 211);
}
