// Unpack a downloaded archive like nixpkgs fetchzip: tar (plain, gzip, bzip2, xz, zstd) or zip; exactly one
// top-level entry, which becomes the tree (a lone file is put inside a folder); then the NAR hash.
// tar: node-tar (gzip/zstd natively; bzip2/xz through the system decompressor). zip: yauzl, with unix modes
// and symlinks from the external attributes as Info-ZIP's unzip applies them.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type * as tar from 'tar';
import type yauzl from 'yauzl';
import { FetchError } from '../errors.ts';
import type { DownloadCache } from './cache.ts';
import { redactUrl } from './retry.ts';
import { buildTree, readTree } from './trees.ts';
import type { FetchedFile, FetchedTree } from './types.ts';

type Format = 'zip' | 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'tar' | 'unknown';

async function sniff(path: string): Promise<Format> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(512);
    const { bytesRead } = await fh.read(b, 0, 512, 0);
    const m = b.subarray(0, bytesRead);
    if (m[0] === 0x50 && m[1] === 0x4b) return 'zip';
    if (m[0] === 0x1f && m[1] === 0x8b) return 'gzip';
    if (m.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
    if (m.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (m.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
    if (bytesRead >= 262 && m.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return 'unknown';
  } finally {
    await fh.close();
  }
}

// tar and yauzl are loaded when an archive is first unpacked, not with the prefetcher: most runs unpack none, and
// the two cost ~25 ms of start-up
const loadTar = () => import('tar');
const loadYauzl = () => import('yauzl').then((m) => m.default);

function extractOptions(cwd: string): tar.TarOptionsWithAliases {
  // never chown (we may run as root), keep the recorded modes (only the owner-execute bit reaches the NAR)
  return { cwd, strict: true, preserveOwner: false, noMtime: true, unlink: true };
}

async function untar(archive: string, format: Format, into: string): Promise<void> {
  const tar = await loadTar();
  if (format === 'bzip2' || format === 'xz') {
    const child = spawn(format === 'xz' ? 'xz' : 'bzip2', ['-dc', archive], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    await pipeline(child.stdout, tar.x(extractOptions(into) as tar.TarOptionsWithAliasesAsyncNoFile) as unknown as NodeJS.WritableStream);
    const code = await exited;
    if (code !== 0) throw new Error(`${format} -d failed: ${stderr.trim()}`);
    return;
  }
  await tar.x({ ...extractOptions(into), file: archive } as tar.TarOptionsWithAliasesAsyncFile);
}

async function openZip(path: string): Promise<yauzl.ZipFile> {
  const yauzl = await loadYauzl();
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

/** Refuse to write through a symlink an earlier entry created (a zip can otherwise reach outside `into`). */
async function checkParents(into: string, rel: string, realDirs: Set<string>): Promise<void> {
  const parts = rel.split('/').filter(Boolean).slice(0, -1);
  let cur = into;
  for (const part of parts) {
    cur = join(cur, part);
    if (realDirs.has(cur)) continue;
    const st = await lstat(cur).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new Error(`unsafe path in zip: ${rel} goes through a symlink`);
    if (st && !st.isDirectory()) throw new Error(`unsafe path in zip: ${rel} goes through a file`);
    if (st) realDirs.add(cur);
  }
}

async function unzip(archive: string, into: string): Promise<void> {
  const zip = await openZip(archive);
  const realDirs = new Set<string>();
  const readStream = (entry: yauzl.Entry) =>
    new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        const name = entry.fileName.replace(/\\/g, '/');
        if (name.split('/').some((s) => s === '..') || name.startsWith('/')) throw new Error(`unsafe path in zip: ${name}`);
        const dest = join(into, name);
        await checkParents(into, name, realDirs);
        if (await lstat(dest).then((st) => st.isSymbolicLink(), () => false)) throw new Error(`unsafe path in zip: ${name} replaces a symlink`);
        const madeOnUnix = entry.versionMadeBy >> 8 === 3;
        const mode = madeOnUnix ? (entry.externalFileAttributes >>> 16) & 0o177777 : 0;
        const type = mode & 0o170000;
        if (name.endsWith('/') || type === 0o040000) {
          await mkdir(dest, { recursive: true });
        } else if (type === 0o120000) {
          const chunks: Buffer[] = [];
          for await (const c of (await readStream(entry)) as AsyncIterable<Buffer>) chunks.push(c);
          await mkdir(dirname(dest), { recursive: true });
          await symlink(Buffer.concat(chunks).toString('utf8'), dest);
        } else {
          await mkdir(dirname(dest), { recursive: true });
          await pipeline(await readStream(entry), createWriteStream(dest, { mode: 0o644 }));
          if (mode & 0o111) await chmod(dest, 0o755);
        }
        zip.readEntry();
      })().catch(reject);
    });
    zip.readEntry();
  });
}

/** fetchzip's stripRoot: exactly one top-level entry, which becomes the tree. */
async function stripRoot(unpacked: string, tree: string): Promise<void> {
  const top = await readdir(unpacked);
  if (top.length !== 1) throw new Error(`expected exactly one top-level entry in the archive, found ${top.length}`);
  const only = join(unpacked, top[0]!);
  const st = await lstat(only);
  if (st.isDirectory()) {
    await rename(only, tree);
  } else {
    await mkdir(tree);
    await rename(only, join(tree, top[0]!));
  }
  await chmod(tree, 0o755);
}

export async function unpackArchive(cache: DownloadCache, file: FetchedFile, pkg: string): Promise<FetchedTree> {
  const key = file.digests.sha256;
  const hit = await readTree(cache, 'archive', key);
  if (hit) return hit;
  const format = await sniff(file.path);
  try {
    return await buildTree(cache, 'archive', key, async (work, tree) => {
      const unpacked = join(work, 'unpacked');
      await mkdir(unpacked);
      if (format === 'zip') await unzip(file.path, unpacked);
      else if (format === 'unknown') throw new Error('not a tar or zip archive (unknown format)');
      else await untar(file.path, format, unpacked);
      await stripRoot(unpacked, tree);
    });
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(redactUrl(file.url), `cannot unpack: ${(e as Error).message}`, { pkg });
  }
}
