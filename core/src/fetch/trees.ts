// Cached trees (git checkouts, unpacked archives): trees/ab/<key>/{tree/, meta.json}. Built in tmp/, moved into
// place whole by one rename, re-verified (NAR hash) on read.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { narHash } from '../hash/nar.ts';
import type { DownloadCache } from './cache.ts';
import type { FetchedTree } from './types.ts';

interface TreeMeta {
  kind: string;
  key: string;
  narHash: string;
}

/** A cached tree, if present and its NAR hash still matches; a damaged one is evicted. */
export async function readTree(cache: DownloadCache, kind: string, key: string): Promise<FetchedTree | undefined> {
  const dir = cache.treeDir(kind, key);
  let meta: TreeMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as TreeMeta;
  } catch {
    return undefined;
  }
  const tree = join(dir, 'tree');
  let actual: string | undefined;
  try {
    actual = await narHash(tree);
  } catch {
    actual = undefined;
  }
  if (meta.kind !== kind || meta.key !== key || actual !== meta.narHash) {
    await cache.evict(dir);
    return undefined;
  }
  cache.markUsed(join(dir, 'meta.json'));
  return { dir: tree, narHash: meta.narHash };
}

/**
 * Build a tree in a temp folder with `build(dir)` (which fills `dir`), hash it and move it into the cache.
 * When another process got there first, its entry is used.
 */
export async function buildTree(cache: DownloadCache, kind: string, key: string, build: (work: string, tree: string) => Promise<void>): Promise<FetchedTree> {
  const tmp = await cache.tempPath('.tree');
  try {
    const tree = join(tmp, 'tree');
    const work = join(tmp, 'work');
    await mkdir(work, { recursive: true });
    await build(work, tree);
    await rm(work, { recursive: true, force: true });
    const hash = await narHash(tree);
    await writeFile(join(tmp, 'meta.json'), JSON.stringify({ kind, key, narHash: hash } satisfies TreeMeta));
    const dest = cache.treeDir(kind, key);
    await mkdir(join(dest, '..'), { recursive: true });
    try {
      await rename(tmp, dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      const theirs = await readTree(cache, kind, key);
      if (theirs) return theirs;
      throw e;
    }
    return { dir: join(dest, 'tree'), narHash: hash };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
