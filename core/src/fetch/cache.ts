// The content-addressed download cache.
//
//   blobs/sha256/ab/<sha256>        verified file bytes, named by their sha256
//   index/url/ab/<sha256(url)>      JSON { url, sha256, size }: which blob a URL served last
//   index/sha1|sha512/ab/<hex>      the sha256 of the blob that has this digest (lets an expected digest hit)
//   trees/ab/<key>/{tree,meta.json} an unpacked tree (git checkout, archive) and its NAR hash
//   tmp/                            work in progress: <pid>-<random>; never read as an entry
//   partial/ab/<sha256(url)>/<pid>-<random>/{data,meta.json}
//                                   a download in progress that a later run may resume with Range (only for
//                                   requests with an expected digest, which verifies the joined bytes)
//
// Every entry appears by rename(2) of a complete temp file or folder (atomic on one filesystem), so a killed run
// leaves only tmp/ garbage, which a later run sweeps once its owner process is gone. Concurrent processes may
// download the same thing; the last rename wins and both results are identical. Entries are re-verified on read.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** A writable that feeds every algorithm at once and counts bytes. */
export class MultiHasher extends Writable {
  private readonly hashes = ALGOS.map((a) => createHash(a));
  size = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.update(chunk);
    cb();
  }
  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    for (const h of this.hashes) h.update(chunk);
  }
  digests(): Digests {
    return Object.fromEntries(ALGOS.map((a, i) => [a, this.hashes[i]!.digest('hex')])) as Digests;
  }
}

export async function hashFile(path: string): Promise<{ size: number; digests: Digests }> {
  const h = new MultiHasher();
  await pipeline(createReadStream(path), h);
  return { size: h.size, digests: h.digests() };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export class DownloadCache {
  readonly root: string;
  private swept = false;

  constructor(root: string) {
    this.root = root;
  }

  blobPath(sha256: string): string {
    return join(this.root, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
  }

  private urlIndex(url: string): string {
    const h = sha256hex(url);
    return join(this.root, 'index', 'url', h.slice(0, 2), h);
  }

  private digestIndex(algo: HashAlgo, hex: string): string {
    return join(this.root, 'index', algo, hex.slice(0, 2), hex);
  }

  treeDir(kind: string, key: string): string {
    const h = sha256hex(`${kind}\0${key}`);
    return join(this.root, 'trees', h.slice(0, 2), h);
  }

  /** A fresh temp path under tmp/ (file or folder), named after this process so a sweep knows its owner. */
  async tempPath(suffix = ''): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    if (!this.swept) {
      this.swept = true;
      await this.sweep();
    }
    return join(dir, `${process.pid}-${randomBytes(8).toString('hex')}${suffix}`);
  }

  private partialRoot(url: string): string {
    const h = sha256hex(url);
    return join(this.root, 'partial', h.slice(0, 2), h);
  }

  /** A fresh folder for a resumable download of `url`; the body goes to `<dir>/data`. */
  async newPartial(url: string): Promise<string> {
    const dir = join(this.partialRoot(url), `${process.pid}-${randomBytes(8).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return join(dir, 'data');
  }

  /** Record what a later run needs to resume a partial download (written once the response headers are known). */
  async describePartial(data: string, meta: PartialMeta): Promise<void> {
    await writeFile(join(data, '..', 'meta.json'), JSON.stringify(meta));
  }

  /**
   * Take over a partial download of `url` left by a process that is gone: the folder is renamed to this
   * process's name first (atomic, so only one claimant wins). Returns its data path, size and metadata.
   */
  async claimPartial(url: string): Promise<{ data: string; bytes: number; meta: PartialMeta } | undefined> {
    const root = this.partialRoot(url);
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      return undefined;
    }
    for (const n of names) {
      const pid = Number(n.split('-')[0]);
      if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && isAlive(pid))) continue;
      const mine = join(root, `${process.pid}-${randomBytes(8).toString('hex')}`);
      try {
        await rename(join(root, n), mine);
      } catch {
        continue; // someone else claimed it
      }
      try {
        const meta = JSON.parse(await readFile(join(mine, 'meta.json'), 'utf8')) as PartialMeta;
        const bytes = (await stat(join(mine, 'data'))).size;
        if (meta.url === url && typeof meta.validator === 'string' && Number.isInteger(meta.total) && bytes > 0 && bytes < meta.total) {
          return { data: join(mine, 'data'), bytes, meta };
        }
      } catch {
        // no metadata: the run died before the headers came
      }
      await rm(mine, { recursive: true, force: true });
    }
    return undefined;
  }

  /** Remove a temp file, and its partial folder when it is a partial download's data. */
  async discard(path: string): Promise<void> {
    if (path.startsWith(join(this.root, 'partial')) && path.endsWith('/data')) {
      await rm(join(path, '..'), { recursive: true, force: true });
      await rmdir(join(path, '..', '..')).catch(() => undefined); // the URL's folder, when now empty
    } else {
      await rm(path, { force: true });
    }
  }

  /**
   * Remove temp files of processes that are gone (a killed run), their partial-download folders that hold no
   * data, and partial downloads nobody resumed within a week.
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
    for (const a of await readdir(top).catch(() => [] as string[])) {
      for (const u of await readdir(join(top, a)).catch(() => [] as string[])) {
        for (const n of await readdir(join(top, a, u)).catch(() => [] as string[])) {
          const pid = Number(n.split('-')[0]);
          if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && isAlive(pid))) continue;
          const p = join(top, a, u, n);
          const st = await stat(p).catch(() => undefined);
          // a dead run's folder without data (killed after its body moved into the cache, or before the
          // body began) has nothing to resume: remove it now; one with data waits to be resumed
          const hasData = await stat(join(p, 'data')).then(() => true, () => false);
          if (st && (!hasData || now - st.mtimeMs > maxAgeMs)) await rm(p, { recursive: true, force: true }).catch(() => undefined);
        }
        await rmdir(join(top, a, u)).catch(() => undefined);
      }
    }
  }

  /** Write small text atomically (temp + rename). */
  async writeAtomic(path: string, text: string): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = await this.tempPath('.json');
    await writeFile(tmp, text);
    await rename(tmp, path);
  }

  /** Move a verified temp file into place as the blob for its sha256, and index it. */
  async commitBlob(tmp: string, info: { size: number; digests: Digests }, url: string | undefined): Promise<BlobInfo> {
    const path = this.blobPath(info.digests.sha256);
    await mkdir(join(path, '..'), { recursive: true });
    await rename(tmp, path);
    await this.index(info, url);
    return { path, ...info };
  }

  private async index(info: { size: number; digests: Digests }, url: string | undefined): Promise<void> {
    if (url !== undefined) await this.writeAtomic(this.urlIndex(url), JSON.stringify({ url, sha256: info.digests.sha256, size: info.size }));
    for (const algo of ['sha1', 'sha512'] as const) {
      const p = this.digestIndex(algo, info.digests[algo]);
      const exists = await stat(p).then(() => true, () => false);
      if (!exists) await this.writeAtomic(p, info.digests.sha256);
    }
  }

  /** Read a blob, re-verifying its bytes; a corrupt blob is removed and reported as a miss. */
  async readBlob(sha256: string): Promise<BlobInfo | undefined> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    const path = this.blobPath(sha256);
    let info: { size: number; digests: Digests };
    try {
      info = await hashFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    if (info.digests.sha256 !== sha256) {
      await this.evict(path);
      return undefined;
    }
    return { path, ...info };
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

  /** The blob a URL served last, if still present and intact. */
  async lookupUrl(url: string): Promise<BlobInfo | undefined> {
    let sha256: string;
    try {
      sha256 = (JSON.parse(await readFile(this.urlIndex(url), 'utf8')) as { sha256: string }).sha256;
    } catch {
      return undefined;
    }
    return this.readBlob(sha256);
  }

  /** The blob with this digest, if present and intact. */
  async lookupDigest(algo: HashAlgo, hex: string): Promise<BlobInfo | undefined> {
    hex = hex.toLowerCase();
    if (algo === 'sha256') return this.readBlob(hex);
    let sha256: string;
    try {
      sha256 = (await readFile(this.digestIndex(algo, hex), 'utf8')).trim();
    } catch {
      return undefined;
    }
    const b = await this.readBlob(sha256);
    return b && b.digests[algo] === hex ? b : undefined;
  }
}
