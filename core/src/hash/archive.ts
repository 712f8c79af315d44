// NAR hashes of tar and zip archives as fetchzip would compute them, without extracting to disk.
//
// tar (plain, gzip or zstd) is read as a stream with node-tar's parser. Because NAR wants the files in name
// order and tar gives them in archive order, file contents are kept: small ones in memory up to a budget,
// the rest appended to one scratch file that is deleted afterwards. zip is random access (yauzl): the tree
// comes from the central directory and each member is read from the archive in NAR order.

import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadEntry } from 'tar';
import type yauzl from 'yauzl';
import { Lock2nixError } from '../errors.ts';
import type { HashAlgo } from '../model.ts';
import { toSri } from './encode.ts';
import {
  TreeBuilder, emptyDirectory, splitMemberPath, stripRoot as stripTop, symlinkNode, treeNarHashBytes,
  type TreeDirectory, type TreeNode, type TreeRegular,
} from './tree.ts';

export interface ArchiveOptions {
  /** like fetchzip's stripRoot (default true): exactly one top-level entry, which becomes the result */
  stripRoot?: boolean;
  algo?: HashAlgo;
  /** tar only: bytes of file contents kept in memory before spilling to a scratch file (default 64 MiB) */
  memoryBudget?: number;
  /** tar only: where the scratch file goes (default: the OS temporary folder) */
  tmpDir?: string;
}

/** A tree read from an archive; `close` releases the archive and scratch space (call it when done). */
export interface ArchiveTree {
  root: TreeDirectory;
  close(): Promise<void>;
}

export type ArchiveFormat = 'tar' | 'zip';

/** Tell the archive format from its first bytes (gzip and zstd are taken to hold a tar). */
export function sniffArchive(head: Uint8Array, what = 'archive'): ArchiveFormat {
  const b = Buffer.from(head);
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6)) return 'zip';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'tar';
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'tar';
  if (b.length >= 3 && b.subarray(0, 3).toString('latin1') === 'BZh') throw new Lock2nixError(`${what}: bzip2 compression is not supported`);
  if (b.length >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) throw new Lock2nixError(`${what}: xz compression is not supported`);
  if (b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  if (b.length >= 512) return 'tar'; // a v7 tar has no magic; the parser checks the header checksum
  throw new Lock2nixError(`${what}: not a tar or zip archive`);
}

// ---------------------------------------------------------------------------------------------------------
// tar

/** Holds file contents from a stream until the tree is serialised. */
class ContentStore {
  private memory = 0;
  private readonly budget: number;
  private readonly tmpBase: string;
  private dir: string | undefined;
  private file: FileHandle | undefined;
  private path = '';
  private end = 0;

  constructor(budget: number, tmpBase: string) {
    this.budget = budget;
    this.tmpBase = tmpBase;
  }

  async save(entry: AsyncIterable<Uint8Array>, size: number): Promise<() => AsyncIterable<Uint8Array>> {
    if (size === 0) {
      for await (const _ of entry) { /* drain */ }
      return async function* () { /* empty */ };
    }
    if (this.memory + size <= this.budget) {
      this.memory += size;
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(Buffer.from(c));
      const data = Buffer.concat(chunks);
      return async function* () { yield data; };
    }
    if (!this.file) {
      this.dir = await mkdtemp(join(this.tmpBase, 'lock2nix-nar-'));
      this.path = join(this.dir, 'contents');
      this.file = await open(this.path, 'w+');
    }
    const start = this.end;
    for await (const c of entry) {
      await this.file.write(c, 0, c.length, this.end);
      this.end += c.length;
    }
    const path = this.path;
    const last = this.end - 1;
    return () => createReadStream(path, { start, end: last });
  }

  async close(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

const REGULAR_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * node-tar decodes member names and link targets as UTF-8, so bytes that are not UTF-8 come out as U+FFFD and
 * the original bytes are lost. Such a name (or a genuine U+FFFD, which cannot be told apart) is refused rather
 * than hashed wrongly.
 */
function decodedName(e: ReadEntry, which: 'path' | 'linkpath'): string {
  const text = e[which] ?? '';
  if (text.includes('\uFFFD')) {
    throw new Lock2nixError(`tar member ${JSON.stringify(e.path)}: ${which === 'path' ? 'its name' : 'its link target'} is not valid UTF-8 (or holds U+FFFD); cannot hash it faithfully`);
  }
  return text;
}

/**
 * Read a tar stream (plain, gzip or zstd) into a tree, as GNU tar would extract it: the pax global header
 * (GitHub's commit id) is not a file; hard links become copies of their target; parent folders appear
 * implicitly; a leading `./` or `/` is dropped; of duplicate members the last wins. Character and block
 * devices and FIFOs are refused.
 */
export async function readTarTree(input: Readable | AsyncIterable<Uint8Array>, opts: ArchiveOptions = {}): Promise<ArchiveTree> {
  // loaded on first use, not with core: most runs read no archive, and tar and yauzl cost ~25 ms of start-up
  const { Parser } = await import('tar');
  const store = new ContentStore(opts.memoryBudget ?? 64 * 1024 * 1024, opts.tmpDir ?? tmpdir());
  const b = new TreeBuilder();
  let failure: unknown;
  // entries come one at a time; their handling is chained so that the tree is built in archive order
  let chain: Promise<void> = Promise.resolve();

  // the member being read: when the stream fails half-way it never ends, so it is destroyed to free the chain
  let current: ReadEntry | undefined;
  const handle = async (e: ReadEntry): Promise<void> => {
    current = e;
    const what = 'tar member';
    const parts = splitMemberPath(decodedName(e, 'path'), what);
    const mode = e.mode ?? 0o644;
    let type = e.type as string;
    if (REGULAR_TYPES.has(type) && e.path.endsWith('/')) type = 'Directory';
    if (REGULAR_TYPES.has(type)) {
      const size = e.size ?? 0;
      const contents = await store.save(e, size);
      const node: TreeRegular = { type: 'regular', executable: (mode & 0o100) !== 0, size, contents };
      b.add(parts, node, what);
      return;
    }
    e.resume();
    switch (type) {
      case 'Directory':
      case 'GNUDumpDir':
        b.add(parts, emptyDirectory(), what);
        return;
      case 'SymbolicLink':
        b.add(parts, symlinkNode(decodedName(e, 'linkpath')), what);
        return;
      case 'Link': {
        const target = b.get(splitMemberPath(decodedName(e, 'linkpath'), what));
        if (!target) throw new Lock2nixError(`tar member ${JSON.stringify(e.path)} is a hard link to ${JSON.stringify(e.linkpath)}, which is not in the archive before it`);
        if (target.type === 'directory') throw new Lock2nixError(`tar member ${JSON.stringify(e.path)} is a hard link to a folder`);
        b.add(parts, target, what);
        return;
      }
      default:
        throw new Lock2nixError(`tar member ${JSON.stringify(e.path)} is a ${type}; a NAR holds only files, folders and symlinks`);
    }
  };

  const warnings: string[] = [];
  let members = 0;
  let sawEnd = false;
  const parser = new Parser({
    strict: false,
    onwarn: (code: string, message: string) => {
      warnings.push(`${code}: ${message}`);
    },
    onReadEntry: (e: ReadEntry) => {
      chain = chain
        .then(async () => {
          members++;
          if (failure) e.resume();
          else await handle(e);
        })
        .catch((err: unknown) => {
          failure ??= err;
          e.resume();
        });
    },
  });
  parser.on('eof', () => {
    sawEnd = true;
  });
  parser.on('ignoredEntry', (e: ReadEntry) => {
    failure ??= new Lock2nixError(`tar member ${JSON.stringify(e.path)} has an unsupported type ${JSON.stringify(e.type)}`);
  });
  try {
    await pipeline(input instanceof Readable ? input : Readable.from(input), parser as unknown as NodeJS.WritableStream);
    await chain;
  } catch (e) {
    failure ??= e;
    current?.destroy();
    await chain.catch(() => undefined);
    await store.close();
    if (e instanceof Lock2nixError) throw e;
    throw new Lock2nixError(`cannot read tar archive: ${(e as Error).message}`);
  }
  // an archive of nothing but its end marker (tar -cf x.tar -T /dev/null) is valid and empty
  const problems = warnings.filter((w) => !(sawEnd && members === 0 && w.startsWith('TAR_BAD_ARCHIVE: Unrecognized')));
  if (!failure && problems.length) failure = new Lock2nixError(`cannot read tar archive: ${problems[0]}`);
  if (failure) {
    await store.close();
    throw failure;
  }
  return { root: b.root, close: () => store.close() };
}

// ---------------------------------------------------------------------------------------------------------
// zip

const UNIX_HOST = 3;
/** FAT, HPFS, NTFS, VFAT ("version made by" host numbers) */
const DOS_HOSTS = new Set([0, 6, 11, 14]);
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A member's name as bytes, as unzip on unix writes it: the Info-ZIP Unicode path field when present and
 * matching (its bytes are UTF-8), otherwise the stored name unchanged (UTF-8 when flag bit 11 says so).
 */
function zipName(entry: yauzl.Entry): Buffer {
  const raw = entry.fileName as unknown as Buffer;
  for (const f of entry.extraFields) {
    if (f.id === 0x7075 && f.data.length >= 6 && f.data[0] === 1 && f.data.readUInt32LE(1) === crc32(raw)) return f.data.subarray(5);
  }
  return raw;
}

/**
 * Read a zip file's tree as unzip would extract it: unix modes (executable bit, symlinks) from the external
 * attributes when the archive was made on unix, folders from names ending in `/`, parent folders implicit.
 * Contents are read from the archive only when the tree is serialised.
 */
export async function readZipTree(file: string): Promise<ArchiveTree> {
  const { default: yauzl } = await import('yauzl');
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false });
  } catch (e) {
    throw new Lock2nixError(`cannot read zip archive ${file}: ${(e as Error).message}`);
  }
  const b = new TreeBuilder();
  const seen = new Set<string>();
  try {
    for await (const entry of zip.eachEntry()) {
      const what = 'zip member';
      const host = entry.versionMadeBy >> 8;
      const unix = host === UNIX_HOST;
      const name = zipName(entry);
      // unzip turns backslashes into slashes in names from DOS/Windows hosts (it keeps them from unix) but
      // exits with status 1 for it, which fails stdenv's unpackFile, so fetchzip cannot fetch such an archive
      if (DOS_HOSTS.has(host) && name.includes(0x5c)) throw new Lock2nixError(`zip member ${JSON.stringify(name.toString())} uses backslashes as path separators; unzip (and so fetchzip) fails on it`);
      // unzip strips a leading / but exits with status 1 for it, which fails fetchzip
      if (name[0] === 0x2f) throw new Lock2nixError(`zip member ${JSON.stringify(name.toString())} has an absolute path; unzip (and so fetchzip) fails on it`);
      const parts = splitMemberPath(name, what);
      if (entry.isEncrypted()) throw new Lock2nixError(`zip member ${JSON.stringify(name.toString())} is encrypted`);
      const mode = unix ? entry.externalFileAttributes >>> 16 : 0;
      const isDir = name[name.length - 1] === 0x2f || (mode & S_IFMT) === S_IFDIR;
      const key = parts.join('/');
      // unzip keeps the first and exits with status 1 (it cannot ask whether to replace), failing fetchzip
      if (!isDir && seen.has(key)) throw new Lock2nixError(`zip member ${JSON.stringify(name.toString())} appears twice; unzip (and so fetchzip) fails on it`);
      seen.add(key);
      if (isDir) {
        b.add(parts, emptyDirectory(), what);
      } else if ((mode & S_IFMT) === S_IFLNK) {
        b.add(parts, symlinkNode(await readAll(await zip.openReadStreamPromise(entry))), what);
      } else {
        const z = zip;
        const e = entry;
        b.add(parts, {
          type: 'regular',
          executable: (mode & 0o100) !== 0,
          size: entry.uncompressedSize,
          contents: async function* () { yield* (await z.openReadStreamPromise(e)) as AsyncIterable<Buffer>; },
        }, what);
      }
    }
  } catch (e) {
    zip.close();
    if (e instanceof Lock2nixError) throw e;
    throw new Lock2nixError(`cannot read zip archive ${file}: ${(e as Error).message}`);
  }
  return { root: b.root, close: async () => zip.close() };
}

// ---------------------------------------------------------------------------------------------------------
// hashing

async function hashTree(t: ArchiveTree, opts: ArchiveOptions, what: string): Promise<Uint8Array> {
  try {
    const node: TreeNode = opts.stripRoot === false ? t.root : stripTop(t.root);
    return await treeNarHashBytes(node, opts.algo ?? 'sha256');
  } catch (e) {
    if (e instanceof Lock2nixError) throw new Lock2nixError(`${what}: ${e.message}`);
    throw new Lock2nixError(`${what}: ${(e as Error).message}`);
  } finally {
    await t.close();
  }
}

/** NAR hash (raw bytes) of a tar stream's unpacked tree, as fetchzip computes it. */
export async function tarNarHashBytes(input: Readable | AsyncIterable<Uint8Array>, opts: ArchiveOptions = {}): Promise<Uint8Array> {
  return hashTree(await readTarTree(input, opts), opts, 'tar archive');
}

/** NAR hash (raw bytes) of a zip file's unpacked tree, as fetchzip computes it. */
export async function zipNarHashBytes(file: string, opts: ArchiveOptions = {}): Promise<Uint8Array> {
  return hashTree(await readZipTree(file), opts, file);
}

/** NAR hash (raw bytes) of an archive file (tar, tar.gz, tar.zst or zip, told apart by content). */
export async function archiveNarHashBytes(file: string, opts: ArchiveOptions = {}): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (sniffArchive(head, file) === 'zip') return zipNarHashBytes(file, opts);
  try {
    return await hashTree(await readTarTree(createReadStream(file), opts), opts, file);
  } catch (e) {
    throw e instanceof Lock2nixError && !e.message.startsWith(file) ? new Lock2nixError(`${file}: ${e.message}`) : e;
  }
}

/** SRI NAR hash of an archive file's unpacked tree: what fetchzip { stripRoot; } would pin. */
export async function archiveNarHash(file: string, opts: ArchiveOptions = {}): Promise<string> {
  return toSri(opts.algo ?? 'sha256', await archiveNarHashBytes(file, opts));
}

