// The content-addressed download cache.
//
//   blobs/sha256/<sha256>           verified file bytes, named by their sha256 (one folder, like digests/: a
//                                   fresh cache creates no shard folders, each as dear as a file; older versions
//                                   wrote blobs/sha256/ab/<sha256>: still read)
//   index/url/ab/<sha256(url)>      JSON { url, sha256, size, sha1, sha512 }: which blob a URL served last. Written
//                                   for downloads without an expected digest (with one, the digest finds the blob);
//                                   older versions wrote { url, sha256, size } for every download: still read
//   digests/sha1|sha512/<hex>       a hard link of the blob with this digest (lets an expected digest hit; a link
//                                   costs far less than a new file), for each digest the download computed (those
//                                   its request asked for). Self-verifying: read, its bytes must hash to its name,
//                                   and it must be the same file as the blob. digests/sha512/<hex> may also be a
//                                   download's only name: one verified by the expected sha512 that was all its
//                                   request asked for (a yarn.lock integrity), whose sha256 was never computed (a
//                                   second pass over the bytes for nobody, and a link). The first hit computes it
//                                   and links the blob name.
//   index/sha1|sha512/ab/<hex>      older versions' digest entries (the blob's sha256): still read; written only
//                                   where the filesystem has no hard links
//   trees/ab/<key>/{tree,meta.json} an unpacked tree (git checkout, archive) and its NAR hash
//   tmp/                            work in progress: <pid>-<random>; never read as an entry
//   partial/<pid>-<random>.<sha256(url)>.<total>.<base64url(validator)>
//                                   a download in progress that a later run may resume with Range (only for
//                                   requests with an expected digest, which verifies the joined bytes); the name
//                                   says what If-Range needs, so it is one file. (Older versions used
//                                   partial/ab/<sha256(url)>/<pid>-<random>/{data,meta.json}: not resumed;
//                                   swept when empty or a week old.)
//
// Every entry appears by rename(2) or link(2) of a complete temp file or folder (atomic on one filesystem), so a
// killed run leaves only tmp/ and partial/ files, which a later run resumes or sweeps once their owner process is
// gone. Concurrent processes may download the same thing; the last rename wins and both results are identical.
// Entries are re-verified on read. Folders are created once per process (remembered in memory); small
// reads and writes (a missing entry, a chunk into the page cache, a record) and the rename and links that commit
// a download are synchronous calls: each costs less than a trip through libuv's threadpool, whose wake-ups took
// more of the main thread than the calls themselves (1,000 downloads: about 7% less CPU and wall time). Creating
// a file, the dear part (inode allocation), goes through the threadpool.
// Because digest entries are links of blobs, removing blobs/ alone frees no space: `lock2nix cache prune|clean`
// (maintain.ts) remove a blob with all its names. A hit moves the entry's atime forward when it is older than
// USE_MARK_MS (markUsed), so prune sees the last use whatever the mount's atime policy (relatime, noatime).

import { createHash, hash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, linkSync, openSync, read, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HashAlgo } from '../model.ts';

export const ALGOS: HashAlgo[] = ['sha1', 'sha256', 'sha512'];
export type Digests = Record<HashAlgo, string>;

export interface PartialMeta {
  url: string;
  validator: string;
  total: number;
}

export interface BlobInfo {
  path: string;
  size: number;
  digests: Digests;
}

/** The digests computed for some bytes: sha256 always (it names the blob), the others when asked for. */
export type SomeDigests = Partial<Digests> & { sha256: string };

/**
 * Feeds the chosen algorithms at once (sha256 too, unless `withSha256` is false) and counts bytes; `update` takes
 * each chunk as it is (no copy). One pass over the bytes per algorithm: ask only for those that will be read.
 */
export class MultiHasher {
  private readonly hashes: [HashAlgo, Hash][];
  size = 0;
  constructor(algos: Iterable<HashAlgo> = ALGOS, withSha256 = true) {
    const want = new Set<HashAlgo>(algos);
    if (withSha256) want.add('sha256');
    this.hashes = ALGOS.filter((a) => want.has(a)).map((a) => [a, createHash(a)]);
  }
  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    for (const [, h] of this.hashes) h.update(chunk);
  }
  /** The digests computed (sha256 among them: a hasher made without it throws). */
  digests(): SomeDigests {
    const d = this.computed();
    if (d.sha256 === undefined) throw new Error('MultiHasher: sha256 was not computed');
    return d as SomeDigests;
  }
  /** The digests computed, whichever they are. */
  computed(): Partial<Digests> {
    const d: Partial<Digests> = {};
    for (const [a, h] of this.hashes) d[a] = h.digest('hex');
    return d;
  }
}

const READ_CHUNK = 256 * 1024;
/** How stale a hit's atime may be before markUsed moves it forward (one utimes per entry per interval). */
export const USE_MARK_MS = 10 * 60 * 1000;

/**
 * Files up to this size are hashed with synchronous reads: from the page cache, that costs less than the trips
 * through libuv's threadpool of an asynchronous open, read, stat and close (a run over 1,000 cached files took
 * about a quarter less CPU and wall time). Larger ones are read through the threadpool, so that downloads keep
 * being served meanwhile.
 */
const SYNC_READ_MAX = 1024 * 1024;

const readAsync = (fd: number, buf: Buffer, len: number, pos: number) =>
  new Promise<number>((ok, ko) => read(fd, buf, 0, len, pos, (e, n) => (e ? ko(e) : ok(n))));

/** Feed the first `end` bytes (all by default) of the open file `fd`, `size` bytes long, into `h`. */
async function feedFd(fd: number, size: number, h: MultiHasher, end = Infinity): Promise<void> {
  const wanted = Math.min(size, end);
  // one buffer per file, no larger than the file (most are far smaller than a chunk)
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK, wanted)));
  const sync = wanted <= SYNC_READ_MAX;
  for (let pos = 0; pos < end; ) {
    const len = Math.min(buf.length, end - pos);
    const n = sync ? readSync(fd, buf, 0, len, pos) : await readAsync(fd, buf, len, pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
}

/** Feed the first `end` bytes of a file (all of it by default) into `h`. */
export async function feedFile(path: string, h: MultiHasher, end = Infinity): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    await feedFd(fd, fstatSync(fd).size, h, end);
  } finally {
    closeSync(fd);
  }
}

/** A file's size and digests (all of them by default; sha256 always). */
export async function hashFile(path: string, algos: Iterable<HashAlgo> = ALGOS): Promise<{ size: number; digests: SomeDigests }> {
  const h = new MultiHasher(algos);
  await feedFile(path, h);
  return { size: h.size, digests: h.digests() };
}

/**
 * The digests of the blob at `path`: those in `known`, and the others computed from the file the first time one
 * of them is read (a blob's bytes never change; a synchronous read, for callers that want a digest nobody
 * asked the download for).
 */
export function blobDigests(path: string, known: Partial<Digests>): Digests {
  const d = { ...known } as Digests;
  const missing = ALGOS.filter((a) => known[a] === undefined);
  const fill = (): void => {
    const h = new MultiHasher(missing);
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (let pos = 0, n; (n = readSync(fd, buf, 0, READ_CHUNK, pos)) > 0; pos += n) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const got = h.digests();
    for (const a of missing) Object.defineProperty(d, a, { value: got[a], enumerable: true, writable: false, configurable: false });
  };
  for (const a of missing) {
    Object.defineProperty(d, a, {
      enumerable: true,
      configurable: true,
      get() {
        fill();
        return d[a];
      },
    });
  }
  return d;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sha256hex = (s: string): string => hash('sha256', s, 'hex');
const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
const HEX64 = /^[0-9a-f]{64}$/;
/** the digests that get a hard link in digests/ (sha256 names the blob itself) */
const LINKED = ['sha1', 'sha512'] as const;
/** partial/<pid>-<random>.<sha256(url)>.<total>.<base64url(validator)> */
const PARTIAL_NAME = /^(\d+)-([0-9a-z]+)\.([0-9a-f]{64})\.(\d+)\.([A-Za-z0-9_-]+)$/;
/** the longest file name most filesystems take */
const NAME_MAX = 255;

export class DownloadCache {
  readonly root: string;
  private swept = false;
  /** folders known to exist (created or seen by this process) */
  private readonly dirs = new Map<string, Promise<void>>();
  /** the folders of `dirs` whose creation has completed (an operation into them need not wait) */
  private readonly ready = new Set<string>();
  // the folders every download uses, joined once (names are appended to them: hex digests, temp names)
  private readonly blobDir: string;
  private readonly tmpDir: string;
  private readonly urlIndexDir: string;
  private readonly indexDir: string;
  private readonly partialDir: string;
  private readonly digestDirs: Record<HashAlgo, string>;
  /** unique per process: the pid plus a random part (pids are reused), then a counter */
  private readonly prefix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private counter = 0;
  /** the resumable partial downloads left by other processes, by sha256(url); listed once, on first use */
  private leftovers: Map<string, string[]> | undefined;

  constructor(root: string) {
    this.root = root;
    this.blobDir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
    this.urlIndexDir = join(root, 'index', 'url');
    this.indexDir = join(root, 'index');
    this.partialDir = join(root, 'partial');
    this.digestDirs = { sha1: join(root, 'digests', 'sha1'), sha256: join(root, 'digests', 'sha256'), sha512: join(root, 'digests', 'sha512') };
  }

  blobPath(sha256: string): string {
    return `${this.blobDir}/${sha256}`;
  }

  /** where older versions put the blob */
  private shardedBlobPath(sha256: string): string {
    return join(this.root, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
  }

  /** The blob's path in either layout, when it exists (a synchronous check: a miss costs no threadpool trip). */
  existingBlob(sha256: string): string | undefined {
    const path = this.blobPath(sha256);
    if (existsSync(path)) return path;
    const old = this.shardedBlobPath(sha256);
    return existsSync(old) ? old : undefined;
  }

  private urlIndex(url: string): string {
    const h = sha256hex(url);
    return `${this.urlIndexDir}/${h.slice(0, 2)}/${h}`;
  }

  /** the older layout's digest entry (read; written only without hard links) */
  private digestIndex(algo: HashAlgo, hex: string): string {
    return `${this.indexDir}/${algo}/${hex.slice(0, 2)}/${hex}`;
  }

  private digestEntry(algo: HashAlgo, hex: string): string {
    return `${this.digestDirs[algo]}/${hex}`;
  }

  treeDir(kind: string, key: string): string {
    const h = sha256hex(`${kind}\0${key}`);
    return join(this.root, 'trees', h.slice(0, 2), h);
  }

  private uniqueName(): string {
    return `${this.prefix}${(this.counter++).toString(36)}`;
  }

  /** Create `dir` (once per process: later calls wait for the first; mkdir runs on the threadpool). */
  private ensureDir(dir: string): Promise<void> {
    let p = this.dirs.get(dir);
    if (!p) {
      p = mkdir(dir, { recursive: true }).then(() => {
        this.ready.add(dir);
      });
      p.catch(() => this.dirs.delete(dir));
      this.dirs.set(dir, p);
    }
    return p;
  }

  /**
   * Run `op` (a synchronous rename, link or create into `dir`); when `dir` vanished under us, create it and run it
   * again. Synchronous (no promise, no turn of the event loop) when `dir` is known to exist and `op` succeeds.
   */
  private into<T>(dir: string, op: () => T, retry = true): T | Promise<T> {
    if (!this.ready.has(dir)) return this.ensureDir(dir).then(() => this.into(dir, op, retry));
    try {
      return op();
    } catch (e) {
      if (!retry || code(e) !== 'ENOENT') throw e;
      this.dirs.delete(dir);
      this.ready.delete(dir);
      return this.into(dir, op, false);
    }
  }

  /** Whether tmp/ exists and was swept, so that a temp path needs no waiting (every call after the first). */
  private tempReady(): boolean {
    return this.swept && this.ready.has(this.tmpDir);
  }

  /** tempPath() without a promise once tmp/ is ready (tempReady); else undefined. */
  tempPathNow(suffix = ''): string | undefined {
    return this.tempReady() ? `${this.tmpDir}/${this.uniqueName()}${suffix}` : undefined;
  }

  /** A fresh temp path under tmp/ (file or folder), named after this process so a sweep knows its owner. */
  async tempPath(suffix = ''): Promise<string> {
    const dir = this.tmpDir;
    if (!this.ready.has(dir)) await this.ensureDir(dir);
    if (!this.swept) {
      this.swept = true;
      await this.sweep();
    }
    return `${dir}/${this.uniqueName()}${suffix}`;
  }

  /**
   * Where to stream a download of `url` that a later run may resume (the server named the version with
   * `validator` and the size `total`); undefined when the name would be too long (then use tempPath()).
   */
  async partialPath(url: string, meta: { validator: string; total: number }): Promise<string | undefined> {
    const name = `${this.uniqueName()}.${sha256hex(url)}.${meta.total}.${Buffer.from(meta.validator).toString('base64url')}`;
    if (Buffer.byteLength(name) > NAME_MAX || !Number.isSafeInteger(meta.total) || meta.total <= 0 || meta.validator === '') return undefined;
    if (!this.tempReady()) await this.tempPath(); // the first call sweeps what dead runs left
    const dir = this.partialDir;
    if (!this.ready.has(dir)) await this.ensureDir(dir);
    return `${dir}/${name}`;
  }

  /** Whether partial/ held downloads of other runs when first listed (if not, claimPartial() has nothing to give). */
  hasLeftovers(): boolean {
    return this.listLeftovers().size > 0;
  }

  /** The partial downloads in partial/ by sha256(url) (those of live processes and this one included; checked at claim). */
  private listLeftovers(): Map<string, string[]> {
    if (this.leftovers) return this.leftovers;
    const map = new Map<string, string[]>();
    let names: string[] = [];
    try {
      names = readdirSync(this.partialDir);
    } catch {
      // none
    }
    for (const n of names) {
      const m = PARTIAL_NAME.exec(n);
      if (!m) continue;
      const list = map.get(m[3]!) ?? [];
      list.push(n);
      map.set(m[3]!, list);
    }
    this.leftovers = map;
    return map;
  }

  /**
   * Take over a partial download of `url` left by a process that is gone: the file is renamed to this
   * process's name first (atomic, so only one claimant wins). Returns its data path, size and metadata.
   */
  async claimPartial(url: string): Promise<{ data: string; bytes: number; meta: PartialMeta } | undefined> {
    const map = this.listLeftovers();
    if (map.size === 0) return undefined;
    const h = sha256hex(url);
    const names = map.get(h);
    if (!names) return undefined;
    map.delete(h);
    const dir = this.partialDir;
    for (const n of names) {
      const m = PARTIAL_NAME.exec(n)!;
      const pid = Number(m[1]);
      if (pid === process.pid || isAlive(pid)) continue;
      const mine = join(dir, `${this.uniqueName()}.${m[3]}.${m[4]}.${m[5]}`);
      try {
        renameSync(join(dir, n), mine);
      } catch {
        continue; // someone else claimed it
      }
      const total = Number(m[4]);
      const validator = Buffer.from(m[5]!, 'base64url').toString();
      let bytes = 0;
      try {
        bytes = statSync(mine).size;
      } catch {
        continue;
      }
      if (bytes > 0 && bytes < total && Number.isSafeInteger(total)) return { data: mine, bytes, meta: { url, validator, total } };
      rmSync(mine, { force: true });
    }
    return undefined;
  }

  /** Remove a temp file or a partial download. */
  async discard(path: string): Promise<void> {
    try {
      unlinkSync(path);
    } catch (e) {
      if (code(e) === 'ENOENT') return;
      await rm(path, { recursive: true, force: true });
    }
  }

  /**
   * Remove temp files of processes that are gone (a killed run), their partial downloads that hold no data,
   * and partial downloads nobody resumed within a week.
   */
  async sweep(): Promise<void> {
    await this.sweepPartials(7 * 24 * 3600 * 1000);
    const dir = join(this.root, 'tmp');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    await Promise.all(
      names.map(async (n) => {
        const pid = Number(n.split('-')[0]);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) return;
        if (pid === process.pid) return;
        await rm(join(dir, n), { recursive: true, force: true }).catch(() => undefined);
      }),
    );
  }

  async sweepPartials(maxAgeMs: number): Promise<void> {
    const top = join(this.root, 'partial');
    const now = Date.now();
    const dead = (n: string) => {
      const pid = Number(n.split('-')[0]);
      return !(pid === process.pid || (Number.isInteger(pid) && pid > 0 && isAlive(pid)));
    };
    for (const a of await readdir(top).catch(() => [] as string[])) {
      const p = join(top, a);
      if (PARTIAL_NAME.test(a)) {
        if (!dead(a)) continue;
        const st = await stat(p).catch(() => undefined);
        // a dead run's file without data has nothing to resume: remove it now; one with data waits to be resumed
        if (st && (st.size === 0 || now - st.mtimeMs > maxAgeMs)) await rm(p, { force: true }).catch(() => undefined);
        continue;
      }
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      // the older layout, partial/ab/<sha256(url)>/<pid>-<random>/{data,meta.json}: never resumed by this
      // version; a dead run's folder goes when it holds no data or is a week old (an older version may resume it)
      for (const u of await readdir(p).catch(() => [] as string[])) {
        for (const n of await readdir(join(p, u)).catch(() => [] as string[])) {
          if (!dead(n)) continue;
          const q = join(p, u, n);
          const st = await stat(q).catch(() => undefined);
          const hasData = await stat(join(q, 'data')).then(() => true, () => false);
          if (st && (!hasData || now - st.mtimeMs > maxAgeMs)) await rm(q, { recursive: true, force: true }).catch(() => undefined);
        }
        await rmdir(join(p, u)).catch(() => undefined);
      }
      await rmdir(p).catch(() => undefined);
    }
  }

  /** Write small text as a complete new file under tmp/ (synchronously: a few bytes). */
  private async writeTemp(text: string): Promise<string> {
    const dir = join(this.root, 'tmp');
    const tmp = join(dir, `${this.uniqueName()}.rec`);
    const fd = await this.into(dir, () => openSync(tmp, 'wx'));
    try {
      const b = Buffer.from(text);
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    return tmp;
  }

  /** Write small text atomically (temp + rename). */
  async writeAtomic(path: string, text: string): Promise<void> {
    const tmp = await this.writeTemp(text);
    try {
      await this.into(dirname(path), () => renameSync(tmp, path));
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Move a verified temp file into place as the blob for its sha256, and index it by the digests computed for
   * it and, when `url` is given, by that URL. A download whose sha256 was not computed (verified by an expected
   * sha512 that is all its request asked for: digestOnly() in prefetcher.ts) becomes digests/sha512/<hex> alone.
   */
  async commitBlob(tmp: string, info: { size: number; digests: Partial<Digests> }, url: string | undefined): Promise<BlobInfo> {
    const { sha256, sha512 } = info.digests;
    if (sha256 === undefined) {
      if (sha512 === undefined || url !== undefined) throw new Error('commitBlob: a download without its sha256 needs its sha512 and no URL record');
      const path = this.digestEntry('sha512', sha512);
      const moved = this.into(this.digestDirs.sha512, () => renameSync(tmp, path));
      if (moved !== undefined) await moved;
      await this.index(path, info, undefined, ['sha1']);
      return { path, size: info.size, digests: blobDigests(path, info.digests) };
    }
    const path = this.blobPath(sha256);
    const moved = this.into(this.blobDir, () => renameSync(tmp, path));
    if (moved !== undefined) await moved;
    await this.index(path, { size: info.size, digests: { ...info.digests, sha256 } }, url);
    return { path, size: info.size, digests: blobDigests(path, info.digests) };
  }

  /**
   * Index a blob just moved into place: its digest entries (for the digests computed) are hard links of it (an
   * entry already there is kept: it holds the same bytes, or a lookup finds it damaged and removes it); the URL's
   * entry, when a URL is given, is a small record renamed into place. A link into a folder known to exist is made
   * without a turn of the event loop.
   */
  private async index(path: string, info: { size: number; digests: Partial<Digests> }, url: string | undefined, algos: readonly HashAlgo[] = LINKED): Promise<void> {
    const { sha1, sha256, sha512 } = info.digests;
    for (const algo of algos) {
      const hex = info.digests[algo];
      if (hex === undefined) continue;
      const p = this.digestEntry(algo, hex);
      try {
        const linked = this.into(this.digestDirs[algo], () => linkSync(path, p));
        if (linked !== undefined) await linked;
      } catch (e) {
        if (code(e) === 'EEXIST') continue;
        // a filesystem without hard links: the older layout's entry (a file holding the sha256) instead
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS'].includes(code(e) ?? '')) throw e;
        // (a download kept under its sha512 alone has no sha256 to record: its sha512 entry finds it)
        if (sha256 !== undefined) await this.writeAtomic(this.digestIndex(algo, hex), sha256);
      }
    }
    if (url !== undefined) await this.writeAtomic(this.urlIndex(url), JSON.stringify({ url, sha256, size: info.size, sha1, sha512 }));
  }

  /** A record's sha256 and digests, when it parses; undefined otherwise. */
  private parseRecord(text: string | undefined): { url?: unknown; sha256: string; sha1?: unknown; sha512?: unknown } | undefined {
    if (text === undefined) return undefined;
    try {
      const rec = JSON.parse(text) as { url?: unknown; sha256?: unknown } | null;
      if (typeof rec !== 'object' || rec === null || typeof rec.sha256 !== 'string' || !HEX64.test(rec.sha256)) return undefined;
      return rec as { sha256: string };
    } catch {
      return undefined;
    }
  }

  /**
   * Read a blob, re-verifying its bytes (one pass computes sha256 and the digests in `want`; any other is computed
   * when read); a corrupt blob is removed and reported as a miss.
   */
  async readBlob(sha256: string, want: Iterable<HashAlgo> = ALGOS): Promise<BlobInfo | undefined> {
    if (!HEX64.test(sha256)) return undefined;
    const path = this.existingBlob(sha256);
    if (path === undefined) return undefined;
    let info: { size: number; digests: SomeDigests };
    try {
      info = await hashFile(path, want);
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      throw e;
    }
    if (info.digests.sha256 !== sha256) {
      await this.evict(path);
      return undefined;
    }
    this.markUsed(path);
    return { path, size: info.size, digests: blobDigests(path, info.digests) };
  }

  /**
   * Note a hit on the file at `path` (a blob, a tree's meta.json): its atime becomes now when it is more than
   * USE_MARK_MS old (mtime kept), so the atime is its last use to within that interval on any mount. Best effort.
   */
  markUsed(path: string, atimeMs?: number): void {
    try {
      const now = Date.now();
      let st: { atimeMs: number; mtime: Date } | undefined;
      if (atimeMs === undefined || now - atimeMs > USE_MARK_MS) st = statSync(path);
      if (st && now - st.atimeMs > USE_MARK_MS) utimesSync(path, now / 1000, st.mtime);
    } catch {
      // a read-only cache, a file just removed: the hit stands
    }
  }

  /** Remove an entry atomically: rename it into tmp/ first, so no reader sees half of it. */
  async evict(path: string): Promise<void> {
    const tmp = await this.tempPath('.evicted');
    try {
      await rename(path, tmp);
    } catch {
      return;
    }
    await rm(tmp, { recursive: true, force: true });
  }

  /** A small index file's text, or undefined when it is missing or unreadable. */
  private readIndex(path: string): string | undefined {
    if (!existsSync(path)) return undefined; // the usual miss: no exception made and thrown
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The blob a URL served last, if still present and intact (`want`: the digests to compute while verifying it). */
  async lookupUrl(url: string, want: Iterable<HashAlgo> = ALGOS): Promise<BlobInfo | undefined> {
    const rec = this.parseRecord(this.readIndex(this.urlIndex(url)));
    if (rec === undefined || (rec.url !== undefined && rec.url !== url)) return undefined;
    return this.readBlob(rec.sha256, want);
  }

  /** The blob with this digest, if present and intact (`want`: the other digests to compute while verifying it). */
  async lookupDigest(algo: HashAlgo, hex: string, want: Iterable<HashAlgo> = ALGOS): Promise<BlobInfo | undefined> {
    hex = hex.toLowerCase();
    const algos = [...want, algo];
    if (algo === 'sha256') return this.readBlob(hex, algos);
    if (!/^[0-9a-f]+$/.test(hex)) return undefined;
    const linked = await this.readDigestEntry(algo, hex, algos);
    if (linked) return linked;
    // the older layout: index/<algo>/ab/<hex> holding the sha256
    const sha256 = this.readIndex(this.digestIndex(algo, hex))?.trim();
    if (sha256 === undefined) return undefined;
    const b = await this.readBlob(sha256, algos);
    return b && b.digests[algo] === hex ? b : undefined;
  }

  /**
   * digests/<algo>/<hex>, verified: its bytes must have that digest (else the entry is removed), and the blob they
   * name by their sha256 must be the same file (else the blob is read and verified on its own).
   */
  private async readDigestEntry(algo: HashAlgo, hex: string, want: HashAlgo[]): Promise<BlobInfo | undefined> {
    const entry = this.digestEntry(algo, hex);
    if (!existsSync(entry)) return undefined; // the usual miss, without a trip through the threadpool
    let fd: number;
    try {
      fd = openSync(entry, 'r');
    } catch {
      return undefined;
    }
    let info: { size: number; digests: SomeDigests };
    let ino: number;
    let atimeMs: number;
    try {
      const h = new MultiHasher(want);
      let size: number;
      ({ ino, atimeMs, size } = fstatSync(fd));
      await feedFd(fd, size, h);
      info = { size: h.size, digests: h.digests() };
    } finally {
      closeSync(fd);
    }
    if (info.digests[algo] !== hex) {
      rmSync(entry, { force: true });
      return undefined;
    }
    let path = this.blobPath(info.digests.sha256);
    let blobIno: number | undefined;
    try {
      blobIno = statSync(path).ino;
    } catch {
      try {
        path = this.shardedBlobPath(info.digests.sha256);
        blobIno = statSync(path).ino;
      } catch {
        // the blob's name is gone (its bytes live on in this entry): put it back
        path = this.blobPath(info.digests.sha256);
        try {
          await this.into(dirname(path), () => linkSync(entry, path));
          return { path, size: info.size, digests: blobDigests(path, info.digests) };
        } catch {
          return undefined;
        }
      }
    }
    if (blobIno === ino) {
      this.markUsed(path, atimeMs);
      return { path, size: info.size, digests: blobDigests(path, info.digests) };
    }
    const b = await this.readBlob(info.digests.sha256, want);
    return b && b.digests[algo] === hex ? b : undefined;
  }
}
