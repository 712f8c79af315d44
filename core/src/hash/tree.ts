// An in-memory file tree (names, types, modes; contents read on demand) and its NAR serialisation.
// Archives and git trees are turned into this shape and hashed without being extracted to disk, so
// filesystem quirks (case-insensitive names, umask, ownership) cannot change the result.
//
// Names are kept as "byte strings": each UTF-16 code unit holds one byte of the name (latin1), so that
// names that are not valid UTF-8 survive and plain string comparison is NAR's byte order.

import { createHash } from 'node:crypto';
import { Lock2nixError } from '../errors.ts';
import type { HashAlgo } from '../model.ts';
import { toSri } from './encode.ts';
import { NarWriter, type NarSink } from './nar.ts';

export interface TreeDirectory {
  type: 'directory';
  /** name (byte string, see above) -> node */
  entries: Map<string, TreeNode>;
}

export interface TreeRegular {
  type: 'regular';
  executable: boolean;
  size: number;
  /** the file's bytes; called once per serialisation, in NAR order */
  contents: () => AsyncIterable<Uint8Array>;
}

export interface TreeSymlink {
  type: 'symlink';
  /** target bytes */
  target: Uint8Array;
}

export type TreeNode = TreeDirectory | TreeRegular | TreeSymlink;

/** Limits from the NAR format (as the nix-compat implementation enforces them). */
export const NAR_MAX_NAME_BYTES = 255;
export const NAR_MAX_TARGET_BYTES = 4095;

export function emptyDirectory(): TreeDirectory {
  return { type: 'directory', entries: new Map() };
}

/** A regular file whose bytes are already in memory. */
export function bytesFile(data: Uint8Array | string, executable = false): TreeRegular {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return {
    type: 'regular', executable, size: b.length,
    contents: async function* () { yield b; },
  };
}

export function symlinkNode(target: string | Uint8Array): TreeSymlink {
  return { type: 'symlink', target: typeof target === 'string' ? Buffer.from(target) : target };
}

/** A name as a byte string: text is UTF-8 encoded, bytes are taken as they are. */
export function byteName(name: string | Uint8Array): string {
  return Buffer.from(typeof name === 'string' ? Buffer.from(name, 'utf8') : name).toString('latin1');
}

/** A byte string back as text (for messages and callbacks); invalid UTF-8 shows as U+FFFD. */
export function displayName(name: string): string {
  return Buffer.from(name, 'latin1').toString('utf8');
}

/**
 * Split an archive member path into byte-string components the way tar and unzip place it: leading `/`
 * and `./` dropped, empty and `.` components dropped, `..` refused. Returns [] for the root itself.
 */
export function splitMemberPath(path: string | Uint8Array, what = 'archive member'): string[] {
  const bytes = byteName(path);
  const parts = bytes.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    if (p === '..') throw new Lock2nixError(`${what} ${JSON.stringify(displayName(bytes))} leaves the archive (contains "..")`);
    if (p.includes('\0')) throw new Lock2nixError(`${what} ${JSON.stringify(displayName(bytes))} contains a NUL byte`);
    if (p.length > NAR_MAX_NAME_BYTES) throw new Lock2nixError(`${what} ${JSON.stringify(displayName(bytes))}: a name is longer than ${NAR_MAX_NAME_BYTES} bytes`);
  }
  return parts;
}

/**
 * Builds a tree from members in archive order: parent folders are created implicitly; a later member with the
 * same path wins (a folder over a folder keeps what is inside, as tar does when extracting).
 */
export class TreeBuilder {
  readonly root: TreeDirectory = emptyDirectory();

  private parentOf(parts: string[], what: string): TreeDirectory {
    let dir = this.root;
    for (const p of parts.slice(0, -1)) {
      let next = dir.entries.get(p);
      if (next === undefined) {
        next = emptyDirectory();
        dir.entries.set(p, next);
      } else if (next.type !== 'directory') {
        // tar would follow a symlink here, or fail on a file: neither can be hashed faithfully
        throw new Lock2nixError(`${what} ${JSON.stringify(displayName(parts.join('/')))} lies below a ${next.type === 'symlink' ? 'symlink' : 'file'} ${JSON.stringify(displayName(p))}`);
      }
      dir = next;
    }
    return dir;
  }

  /** Add a member at `path` (byte-string components from `splitMemberPath`). The root itself is ignored. */
  add(parts: string[], node: TreeNode, what = 'archive member'): void {
    if (parts.length === 0) {
      if (node.type !== 'directory') throw new Lock2nixError(`${what} at the archive root is not a folder`);
      return;
    }
    const dir = this.parentOf(parts, what);
    const name = parts[parts.length - 1]!;
    const old = dir.entries.get(name);
    if (node.type === 'directory' && old?.type === 'directory') {
      for (const [k, v] of node.entries) old.entries.set(k, v);
      return;
    }
    dir.entries.set(name, node);
  }

  /** The node at a path, if any (for hard links). */
  get(parts: string[]): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const p of parts) {
      if (node.type !== 'directory') return undefined;
      const next: TreeNode | undefined = node.entries.get(p);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }
}

/**
 * fetchzip's `stripRoot = true`: the unpacked archive must hold exactly one top-level entry (hidden ones count);
 * a folder becomes the result, a single regular file ends up inside the result.
 */
export function stripRoot(root: TreeDirectory): TreeDirectory {
  if (root.entries.size !== 1) {
    throw new Lock2nixError(`the archive must hold a single top-level file or folder to strip (it has ${root.entries.size}: ${[...root.entries.keys()].slice(0, 5).map((n) => JSON.stringify(displayName(n))).join(', ')}); use stripRoot = false`);
  }
  const [name, node] = [...root.entries][0]!;
  if (node.type === 'directory') return node;
  if (node.type === 'regular') return { type: 'directory', entries: new Map([[name, node]]) };
  throw new Lock2nixError(`the single top-level entry ${JSON.stringify(displayName(name))} of the archive is a symlink; fetchzip cannot strip it`);
}

async function dumpNode(w: NarWriter, node: TreeNode, path: string): Promise<void> {
  switch (node.type) {
    case 'regular':
      await w.regular(node.executable, node.size, node.contents());
      return;
    case 'symlink':
      if (node.target.length === 0) throw new Lock2nixError(`symlink ${JSON.stringify(displayName(path))} has an empty target`);
      if (node.target.length > NAR_MAX_TARGET_BYTES) throw new Lock2nixError(`symlink ${JSON.stringify(displayName(path))}: target longer than ${NAR_MAX_TARGET_BYTES} bytes`);
      w.symlink(node.target);
      return;
    case 'directory': {
      w.dirStart();
      const names = [...node.entries.keys()].sort();
      for (const name of names) {
        w.entryStart(Buffer.from(name, 'latin1'));
        await dumpNode(w, node.entries.get(name)!, path ? `${path}/${name}` : name);
        w.entryEnd();
      }
      w.dirEnd();
    }
  }
}

/** Serialise a tree as a NAR into `sink`, reading file contents in NAR order. */
export async function dumpTreeNar(node: TreeNode, sink: NarSink): Promise<void> {
  const w = new NarWriter(sink);
  w.magic();
  await dumpNode(w, node, '');
}

export async function treeNarHashBytes(node: TreeNode, algo: HashAlgo = 'sha256'): Promise<Uint8Array> {
  const h = createHash(algo);
  await dumpTreeNar(node, h);
  return new Uint8Array(h.digest());
}

/** The NAR hash of a tree as SRI. */
export async function treeNarHash(node: TreeNode, algo: HashAlgo = 'sha256'): Promise<string> {
  return toSri(algo, await treeNarHashBytes(node, algo));
}
