// Inspecting and trimming the download cache (cache.ts): `lock2nix cache info|prune|clean`.
//
// A download is one file (an inode): its blob blobs/sha256/<sha256> (or the older blobs/sha256/ab/<sha256>), the
// hard links digests/<algo>/<hex> of it, and the records that name its sha256 (index/url/..., the older
// index/sha1|sha512/...). One verified by its sha512 alone has no blob name until a hit gives it one: its
// digests/sha512/<hex> (and sha1 link) are all its names. It is counted once, however many names it has. A tree is
// trees/ab/<key>/.
//
// Last use: the later of the file's atime and mtime (for a tree, those of its meta.json). The kernel's relatime
// (the usual mount default) updates atime at most once a day, and never under noatime, so the cache itself
// moves a hit's atime forward when it is more than USE_MARK_MS old (DownloadCache.markUsed): last use is then
// exact to USE_MARK_MS on any mount.
//
// Removal is safe against a concurrent run: every name is renamed into tmp/ (under this process's temp name, so
// another run's sweep leaves it alone while we live) before it is deleted, so a reader sees a whole entry or
// none (a plain miss: it downloads again). The records and digest links go before the blob, because a reader
// that finds a digest link without its blob puts the blob back. A name that a concurrent download replaced with
// a new file between the scan and the rename is put back. Entries used within the last GRACE_MS are never pruned:
// a running conversion may still read a file it was handed. Symbolic links are never followed (lstat only);
// one found in the cache is not an entry and is left alone.

import { link, lstat, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { DownloadCache, hashFile, USE_MARK_MS } from './cache.ts';

/** Entries used this recently are kept by prune, whatever the limits say (well above USE_MARK_MS). */
export const PRUNE_GRACE_MS = 6 * USE_MARK_MS;

export interface CacheEntry {
  kind: 'download' | 'tree';
  /** the download's sha256 (absent for a digest link whose blob name is gone) or the tree's folder name */
  id: string;
  bytes: number;
  /** ms since the epoch */
  lastUse: number;
  /** every name of this entry, relative to the cache root; removed in this order */
  names: string[];
}

export interface CacheInfo {
  root: string;
  exists: boolean;
  downloads: { count: number; bytes: number };
  trees: { count: number; bytes: number };
  /** tmp/ and partial/: work in progress and resumable downloads (swept by the runs themselves) */
  inProgress: { bytes: number };
  totalBytes: number;
  /** ms since the epoch; absent for an empty cache */
  oldestUse?: number;
  newestUse?: number;
}

const HEX = /^[0-9a-f]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
const SHARD = /^[0-9a-f]{2}$/;
const lastUse = (st: Stats): number => Math.max(st.atimeMs, st.mtimeMs);

/** The names in folder `dir`; none when `dir` is not a folder (a symbolic link to one is not followed). */
async function names(dir: string): Promise<string[]> {
  try {
    if (!(await lstat(dir)).isDirectory()) return [];
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function lst(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

/** Bytes of regular files under `path` (not following symbolic links), each inode once. */
async function treeBytes(path: string, seen: Set<string>): Promise<number> {
  const st = await lst(path);
  if (!st) return 0;
  if (st.isDirectory()) {
    let n = 0;
    for (const c of await names(path)) n += await treeBytes(join(path, c), seen);
    return n;
  }
  if (!st.isFile()) return 0;
  const k = `${st.dev}:${st.ino}`;
  if (seen.has(k)) return 0;
  seen.add(k);
  return st.size;
}

/** the file (dev:ino) a download was when the cache was scanned */
const inodeOf = new WeakMap<CacheEntry, string>();

interface Scan {
  entries: CacheEntry[];
  inProgressBytes: number;
}

/** Every download and tree in the cache at `root`, with its names, size and last use. */
async function scan(root: string): Promise<Scan> {
  const byInode = new Map<string, CacheEntry>();
  const bySha = new Map<string, CacheEntry>();
  const seen = new Set<string>();
  const addFile = (rel: string, st: Stats, sha256: string | undefined): void => {
    const k = `${st.dev}:${st.ino}`;
    let e = byInode.get(k);
    if (!e) {
      e = { kind: 'download', id: sha256 ?? '', bytes: st.size, lastUse: lastUse(st), names: [] };
      byInode.set(k, e);
      inodeOf.set(e, k);
      seen.add(k);
    }
    if (sha256 !== undefined) {
      e.id = sha256;
      bySha.set(sha256, e);
    }
    e.names.push(rel);
  };
  // blobs, both layouts
  const blobRel = 'blobs/sha256';
  for (const n of await names(join(root, blobRel))) {
    const st = await lst(join(root, blobRel, n));
    if (st?.isFile() && HEX64.test(n)) addFile(`${blobRel}/${n}`, st, n);
    else if (st?.isDirectory() && SHARD.test(n)) {
      for (const m of await names(join(root, blobRel, n))) {
        const s2 = await lst(join(root, blobRel, n, m));
        if (s2?.isFile() && HEX64.test(m)) addFile(`${blobRel}/${n}/${m}`, s2, m);
      }
    }
  }
  // digest links: the same inode as their blob (one without a blob name is an entry of its own)
  for (const algo of await names(join(root, 'digests'))) {
    const dir = `digests/${algo}`;
    for (const n of await names(join(root, dir))) {
      const st = await lst(join(root, dir, n));
      if (st?.isFile() && HEX.test(n)) addFile(`${dir}/${n}`, st, undefined);
    }
  }
  const orphans = new Set<string>();
  for await (const rel of records(root)) {
    if (!(await lst(join(root, rel)))?.isFile()) continue;
    const sha = await recordTarget(root, rel);
    const e = sha !== undefined ? bySha.get(sha) : undefined;
    // a record naming no blob is a plain miss for a reader; prune removes it with the first removal
    if (e) e.names.unshift(rel);
    else orphans.add(rel);
  }
  const entries = [...byInode.values()];
  for (const e of entries) {
    // records first, then digest links, the blob last
    e.names.sort((a, b) => rank(a) - rank(b));
  }
  // trees/ab/<key>/{tree/,meta.json}
  for (const shard of await names(join(root, 'trees'))) {
    for (const n of await names(join(root, 'trees', shard))) {
      const rel = `trees/${shard}/${n}`;
      const st = await lst(join(root, rel));
      if (!st?.isDirectory()) continue;
      const meta = await lst(join(root, rel, 'meta.json'));
      entries.push({ kind: 'tree', id: n, bytes: await treeBytes(join(root, rel), seen), lastUse: meta ? lastUse(meta) : lastUse(st), names: [rel] });
    }
  }
  let inProgressBytes = 0;
  for (const d of ['tmp', 'partial']) inProgressBytes += await treeBytes(join(root, d), seen);
  if (orphans.size > 0) entries.push({ kind: 'download', id: '', bytes: 0, lastUse: 0, names: [...orphans].sort() });
  entries.sort((a, b) => a.lastUse - b.lastUse || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { entries, inProgressBytes };
}

const rank = (rel: string): number => (rel.startsWith('index/') ? 0 : rel.startsWith('digests/') ? 1 : 2);

/** What the cache at `root` holds. */
export async function cacheInfo(root: string): Promise<CacheInfo> {
  const st = await stat(root).catch(() => undefined); // the root itself may be a symbolic link the user chose
  const { entries, inProgressBytes } = await scan(root);
  const real = entries.filter((e) => e.bytes > 0 || e.names.some((n) => !n.startsWith('index/')));
  const dl = real.filter((e) => e.kind === 'download');
  const tr = real.filter((e) => e.kind === 'tree');
  const sum = (l: CacheEntry[]) => l.reduce((s, e) => s + e.bytes, 0);
  const info: CacheInfo = {
    root,
    exists: Boolean(st?.isDirectory()),
    downloads: { count: dl.length, bytes: sum(dl) },
    trees: { count: tr.length, bytes: sum(tr) },
    inProgress: { bytes: inProgressBytes },
    totalBytes: sum(real) + inProgressBytes,
  };
  if (real.length > 0) {
    info.oldestUse = real.reduce((m, e) => Math.min(m, e.lastUse), Infinity);
    info.newestUse = real.reduce((m, e) => Math.max(m, e.lastUse), 0);
  }
  return info;
}

export interface PruneOptions {
  /** remove entries last used longer ago than this (ms) */
  olderThanMs?: number;
  /** then remove the least recently used until downloads and trees take at most this many bytes */
  maxBytes?: number;
  /** report, remove nothing */
  dryRun?: boolean;
  /** entries used this recently stay (default PRUNE_GRACE_MS) */
  graceMs?: number;
  /** the clock (default Date.now()) */
  now?: number;
}

export interface PruneResult {
  removed: CacheEntry[];
  removedBytes: number;
  /** bytes of downloads and trees left */
  keptBytes: number;
}

/**
 * Move `rel` into tmp/ and delete it there. When `expect` (dev:ino) is given and the name now holds another file
 * (a concurrent download replaced it), that file is put back instead. Returns the moved file's lstat when it was
 * deleted.
 */
async function removeName(cache: DownloadCache, rel: string, expect: string | undefined): Promise<Stats | undefined> {
  const from = join(cache.root, rel);
  const tmp = await cache.tempPath('.pruned');
  try {
    await rename(from, tmp);
  } catch {
    return undefined; // gone already (another prune, an eviction)
  }
  const st = await lst(tmp);
  if (expect !== undefined && st && `${st.dev}:${st.ino}` !== expect) {
    await link(tmp, from).catch(() => undefined); // EEXIST: a newer one is there already
    await unlink(tmp).catch(() => undefined);
    return undefined;
  }
  if (st?.isFile() && st.nlink > 1 && expect !== undefined && rel.startsWith('blobs/')) {
    // the blob has names the scan did not see (digest links a concurrent run made since): remove them too,
    // before the bytes go, so that none is left without its blob
    const { digests } = await hashFile(tmp, ['sha1', 'sha512']);
    for (const algo of ['sha1', 'sha512'] as const) {
      const other = `digests/${algo}/${digests[algo]}`;
      const o = await lst(join(cache.root, other));
      if (o && `${o.dev}:${o.ino}` === expect) await removeName(cache, other, expect);
    }
  }
  await rm(tmp, { recursive: true, force: true });
  return st;
}

async function removeEntry(cache: DownloadCache, e: CacheEntry): Promise<void> {
  if (e.id === '' && e.names.every((n) => n.startsWith('index/'))) {
    // records that named no blob at the scan
    for (const n of e.names) await removeRecordWithoutBlob(cache, n);
    return;
  }
  const ino = e.kind === 'download' ? inodeOf.get(e) : undefined;
  for (const n of e.names) await removeName(cache, n, n.startsWith('index/') || e.kind === 'tree' ? undefined : ino);
}

/** Every record naming a sha256: index/url/ab/<h> (JSON), index/sha1|sha512/ab/<hex> (the sha256 as text). */
async function* records(root: string): AsyncGenerator<string> {
  for (const kind of await names(join(root, 'index'))) {
    for (const shard of await names(join(root, 'index', kind))) {
      for (const n of await names(join(root, 'index', kind, shard))) yield `index/${kind}/${shard}/${n}`;
    }
  }
}

/** The sha256 a record (index/...) names, if it parses. */
async function recordTarget(root: string, rel: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(root, rel), 'utf8');
    const sha = rel.startsWith('index/url/') ? (JSON.parse(text) as { sha256?: unknown }).sha256 : text.trim();
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** Remove the record `rel` when it (still) names no present blob (a record written since the scan may). */
async function removeRecordWithoutBlob(cache: DownloadCache, rel: string, only?: Set<string>): Promise<void> {
  const sha = await recordTarget(cache.root, rel);
  if (sha !== undefined && only !== undefined && !only.has(sha)) return;
  if (sha !== undefined && HEX64.test(sha) && cache.existingBlob(sha) !== undefined) return;
  await removeName(cache, rel, undefined);
}

/**
 * Records (index/...) naming one of `gone` (sha256s just removed) whose blob is not there: written by a concurrent
 * run after the scan, for a blob it had stored before. Removed, so that no record is left without its blob.
 */
async function removeLateRecords(cache: DownloadCache, gone: Set<string>): Promise<void> {
  for await (const rel of records(cache.root)) {
    const sha = await recordTarget(cache.root, rel);
    if (sha !== undefined && gone.has(sha)) await removeRecordWithoutBlob(cache, rel, gone);
  }
}

/** Remove least recently used entries of the cache at `root` until the limits hold (see PruneOptions). */
export async function pruneCache(root: string, o: PruneOptions = {}): Promise<PruneResult> {
  const now = o.now ?? Date.now();
  const grace = o.graceMs ?? PRUNE_GRACE_MS;
  const { entries } = await scan(root);
  let kept = entries.reduce((s, e) => s + e.bytes, 0);
  const removed: CacheEntry[] = [];
  for (const e of entries) {
    // least recently used first
    if (now - e.lastUse < grace) break;
    const old = o.olderThanMs !== undefined && now - e.lastUse > o.olderThanMs;
    const big = o.maxBytes !== undefined && kept > o.maxBytes;
    const orphan = e.bytes === 0 && e.names.every((n) => n.startsWith('index/'));
    if (!old && !big && !orphan) continue;
    removed.push(e);
    kept -= e.bytes;
  }
  if (!o.dryRun && removed.length > 0) {
    const cache = new DownloadCache(root);
    for (const e of removed) await removeEntry(cache, e);
    const gone = new Set(removed.filter((e) => e.kind === 'download' && HEX64.test(e.id)).map((e) => e.id));
    if (gone.size > 0) await removeLateRecords(cache, gone);
  }
  return { removed, removedBytes: removed.reduce((s, e) => s + e.bytes, 0), keptBytes: kept };
}

/**
 * Remove every entry of the cache at `root` (each folder renamed into tmp/ first); the work in progress of live
 * runs stays, that of runs that are gone is swept. A missing folder is left missing.
 */
export async function cleanCache(root: string): Promise<{ removedBytes: number }> {
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) return { removedBytes: 0 };
  const before = await cacheInfo(root);
  const cache = new DownloadCache(root);
  for (const n of await names(root)) {
    if (n === 'tmp' || n === 'partial') continue;
    await removeName(cache, n, undefined);
  }
  await cache.sweep();
  const after = await cacheInfo(root);
  return { removedBytes: Math.max(0, before.totalBytes - after.totalBytes) };
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const UNITS_B: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "30d", "12h", "90m", "2w", "45s" in ms; undefined when it does not parse. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(s.trim());
  return m ? Number(m[1]) * UNITS_MS[m[2]!]! : undefined;
}

/** "2G", "500M", "10k", "1.5GiB", "123" (bytes) in bytes (powers of 1024); undefined when it does not parse. */
export function parseSize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(s.trim());
  return m ? Math.floor(Number(m[1]) * UNITS_B[m[2]!.toLowerCase()]!) : undefined;
}

/** 1536 → "1.5 KiB" */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
