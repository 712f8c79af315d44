// Fixed-output store paths: where Nix puts the output of a fetcher with a known hash (what
// `nix-store --print-fixed-path` prints), computed without Nix.

import { createHash } from 'node:crypto';
import { Lock2nixError } from '../errors.ts';
import type { HashAlgo } from '../model.ts';
import { bytesToHex, parseHash, toNix32, type ParsedHash } from './encode.ts';

export const DEFAULT_STORE_DIR = '/nix/store';

/** Characters Nix allows in a store path name. */
const STORE_NAME = /^[A-Za-z0-9+\-._?=]+$/;

/** Refuse a name Nix would not accept as a store path name (empty, too long, bad characters, leading `.`). */
export function checkStoreName(name: string): void {
  if (!STORE_NAME.test(name)) throw new Lock2nixError(`invalid store path name ${JSON.stringify(name)}: only letters, digits and +-._?= are allowed`);
  if (name.length > 211) throw new Lock2nixError(`invalid store path name ${JSON.stringify(name)}: longer than 211 characters`);
  if (name.startsWith('.')) throw new Lock2nixError(`invalid store path name ${JSON.stringify(name)}: starts with a dot`);
}

/** sha256 of the text, xor-folded to 20 bytes, as nix32 (Nix's compressHash). */
function storeHash(fingerprint: string): string {
  const d = createHash('sha256').update(fingerprint).digest();
  const out = new Uint8Array(20);
  for (let i = 0; i < d.length; i++) out[i % 20]! ^= d[i]!;
  return toNix32(out);
}

export interface FixedOutput {
  name: string;
  /** the output hash: a parsed hash, or any spelling `parseHash` accepts (SRI, `algo:digest`) */
  hash: ParsedHash | string;
  /** true for NAR (`outputHashMode = "recursive"`: fetchgit, fetchzip), false for flat (fetchurl) */
  recursive: boolean;
  storeDir?: string;
}

/** The store path of a fixed-output derivation's output, as `nix-store --print-fixed-path` prints it. */
export function fixedOutputPath(o: FixedOutput): string {
  checkStoreName(o.name);
  const h = typeof o.hash === 'string' ? parseHash(o.hash) : o.hash;
  const storeDir = o.storeDir ?? DEFAULT_STORE_DIR;
  const hex = bytesToHex(h.bytes);
  let fingerprint: string;
  if (o.recursive && h.algo === 'sha256') {
    fingerprint = `source:sha256:${hex}:${storeDir}:${o.name}`;
  } else {
    const inner = `fixed:out:${o.recursive ? 'r:' : ''}${h.algo}:${hex}:`;
    fingerprint = `output:out:sha256:${createHash('sha256').update(inner).digest('hex')}:${storeDir}:${o.name}`;
  }
  return `${storeDir}/${storeHash(fingerprint)}-${o.name}`;
}

/** Shorthand: `fixedOutputPath` with the algorithm and hash given apart. */
export function fixedOutputPathOf(name: string, algo: HashAlgo, bytes: Uint8Array, recursive: boolean, storeDir?: string): string {
  return fixedOutputPath(storeDir === undefined ? { name, hash: { algo, bytes }, recursive } : { name, hash: { algo, bytes }, recursive, storeDir });
}
