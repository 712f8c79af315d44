// NAR serialisation (Nix's archive format), streamed straight into a hash: no temporary files.
// Rules: every token is a length-prefixed string padded to 8 bytes; directory entries in byte order of
// their UTF-8 names; only the owner-execute bit is recorded; symlinks are stored, never followed.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { Lock2nixError } from '../errors.ts';
import type { HashAlgo } from '../model.ts';
import { toSri } from './encode.ts';

/** Where NAR bytes go: a hash, a file, a buffer list. */
export interface NarSink {
  write(chunk: Uint8Array): void;
}

const ZERO = new Uint8Array(8);

export class NarWriter {
  private readonly sink: NarSink;
  constructor(sink: NarSink) {
    this.sink = sink;
  }

  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.sink.write(b);
  }

  pad(len: number): void {
    const r = len % 8;
    if (r) this.sink.write(ZERO.subarray(0, 8 - r));
  }

  str(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? Buffer.from(s) : s;
    this.u64(b.length);
    this.sink.write(b);
    this.pad(b.length);
  }

  /** Write a regular file whose contents come as a stream of chunks totalling `size` bytes. */
  async regular(executable: boolean, size: number, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    this.str('(');
    this.str('type');
    this.str('regular');
    if (executable) {
      this.str('executable');
      this.str('');
    }
    this.str('contents');
    this.u64(size);
    let seen = 0;
    for await (const c of chunks) {
      seen += c.length;
      this.sink.write(c);
    }
    if (seen !== size) throw new Lock2nixError(`file changed while hashing: expected ${size} bytes, read ${seen}`);
    this.pad(size);
    this.str(')');
  }

  symlink(target: string | Uint8Array): void {
    this.str('(');
    this.str('type');
    this.str('symlink');
    this.str('target');
    this.str(target);
    this.str(')');
  }

  dirStart(): void {
    this.str('(');
    this.str('type');
    this.str('directory');
  }

  entryStart(name: string | Uint8Array): void {
    this.str('entry');
    this.str('(');
    this.str('name');
    this.str(name);
    this.str('node');
  }

  entryEnd(): void {
    this.str(')');
  }

  dirEnd(): void {
    this.str(')');
  }

  magic(): void {
    this.str('nix-archive-1');
  }
}

/** Sort names by their UTF-8 bytes, as Nix does. */
export function byteOrder(names: string[]): string[] {
  return names.map((n) => [n, Buffer.from(n)] as const).sort((a, b) => Buffer.compare(a[1], b[1])).map(([n]) => n);
}

/** A directory entry with its lstat, and (for small files) a read started ahead of time. */
interface Entry {
  name: Buffer;
  path: Buffer;
  st: Stats;
  data?: Promise<Buffer>;
}

const SLASH = Buffer.from('/');
/** files up to this size are read in one go (a stream per file costs more than the reading) */
const SMALL_FILE = 256 * 1024;
/** small files read ahead of the one being hashed: hides the thread-pool round trips of open/read/close */
const READ_AHEAD = 16;

async function* oneChunk(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

function readAhead(e: Entry | undefined): void {
  if (!e || e.data || !e.st.isFile() || e.st.size > SMALL_FILE) return;
  e.data = readFile(e.path);
  e.data.catch(() => undefined); // awaited later; never an unhandled rejection if hashing stops first
}

async function dumpEntry(w: NarWriter, e: Entry): Promise<void> {
  const { st, path } = e;
  if (st.isSymbolicLink()) {
    w.symlink(await readlink(path, { encoding: 'buffer' }));
  } else if (st.isFile()) {
    const chunks = st.size <= SMALL_FILE ? oneChunk(await (e.data ?? readFile(path))) : createReadStream(path, { highWaterMark: 1 << 20 });
    await w.regular((st.mode & 0o100) !== 0, st.size, chunks);
  } else if (st.isDirectory()) {
    w.dirStart();
    // names as bytes: a name that is not valid UTF-8 must not turn into U+FFFD
    const names = (await readdir(path, { encoding: 'buffer' })).sort(Buffer.compare);
    const entries: Entry[] = await Promise.all(names.map(async (name) => {
      const p = Buffer.concat([path, SLASH, name]);
      return { name, path: p, st: await lstat(p) };
    }));
    for (let i = 0; i < entries.length; i++) {
      for (let j = i; j < i + READ_AHEAD && j < entries.length; j++) readAhead(entries[j]);
      w.entryStart(entries[i]!.name);
      await dumpEntry(w, entries[i]!);
      entries[i]!.data = undefined;
      w.entryEnd();
    }
    w.dirEnd();
  } else {
    throw new Lock2nixError(`${path.toString()}: NAR holds only regular files, directories and symlinks`);
  }
}

/** Serialise a path (file, directory or symlink) as a NAR into `sink`. */
export async function dumpNar(path: string, sink: NarSink): Promise<void> {
  const w = new NarWriter(sink);
  w.magic();
  const p = Buffer.from(path);
  await dumpEntry(w, { name: p, path: p, st: await lstat(p) });
}

/** The NAR hash of a path, as raw bytes. */
export async function narHashBytes(path: string, algo: HashAlgo = 'sha256'): Promise<Uint8Array> {
  const h: Hash = createHash(algo);
  await dumpNar(path, h);
  return new Uint8Array(h.digest());
}

/** The NAR hash of a path as SRI (what `nix-hash --sri` / fetchgit's `hash` would be). */
export async function narHash(path: string, algo: HashAlgo = 'sha256'): Promise<string> {
  return toSri(algo, await narHashBytes(path, algo));
}
