// Hash encodings: base16, Nix base32 ("nix32"), base64 and SRI, every way round.

import { createHash } from 'node:crypto';
import { Lock2nixError } from '../errors.ts';
import type { HashAlgo } from '../model.ts';

export const DIGEST_BYTES: Record<HashAlgo, number> = { sha1: 20, sha256: 32, sha512: 64 };
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

export function isHashAlgo(s: string): s is HashAlgo {
  return s === 'sha1' || s === 'sha256' || s === 'sha512';
}

/** Nix base32: the bytes as a little-endian number, written most significant digit first. */
export function toNix32(bytes: Uint8Array): string {
  const len = Math.ceil((bytes.length * 8) / 5);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = ((bytes[i] ?? 0) >> j) | (j > 3 && i + 1 < bytes.length ? (bytes[i + 1]! << (8 - j)) & 0xff : 0);
    out += NIX32[c & 0x1f];
  }
  return out;
}

export function fromNix32(s: string, size: number): Uint8Array {
  if (s.length !== Math.ceil((size * 8) / 5)) throw new Lock2nixError(`invalid base-32 hash length ${s.length} for ${size} bytes`);
  const out = new Uint8Array(size);
  for (let n = 0; n < s.length; n++) {
    const digit = NIX32.indexOf(s[s.length - n - 1]!);
    if (digit < 0) throw new Lock2nixError(`invalid base-32 hash: bad character ${JSON.stringify(s[s.length - n - 1])}`);
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i] = out[i]! | ((digit << j) & 0xff);
    const carry = digit >> (8 - j);
    if (i + 1 < size) out[i + 1] = out[i + 1]! | carry;
    else if (carry) throw new Lock2nixError('invalid base-32 hash: value does not fit');
  }
  return out;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Lock2nixError(`invalid base16 digest ${JSON.stringify(hex)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function toSri(algo: HashAlgo, bytes: Uint8Array): string {
  return `${algo}-${Buffer.from(bytes).toString('base64')}`;
}

export function hexToSri(algo: HashAlgo, hex: string): string {
  // Buffer's hex decoding stops at the first pair that is not hex: every character was read when it gives
  // half as many bytes (otherwise hexToBytes refuses the text, as it always did)
  const b = Buffer.from(hex, 'hex');
  if (b.length * 2 !== hex.length) return toSri(algo, hexToBytes(hex));
  return `${algo}-${b.toString('base64')}`;
}

export interface ParsedHash {
  algo: HashAlgo;
  bytes: Uint8Array;
}

function decodeDigest(algo: HashAlgo, digest: string): Uint8Array {
  const n = DIGEST_BYTES[algo];
  if (digest.length === n * 2 && /^[0-9a-fA-F]+$/.test(digest)) return hexToBytes(digest);
  if (digest.length === Math.ceil((n * 8) / 5)) return fromNix32(digest, n);
  if (digest.length === Math.ceil(n / 3) * 4 || digest.length === Math.ceil((n * 4) / 3)) {
    const b = Buffer.from(digest, 'base64');
    if (b.length === n && /^[A-Za-z0-9+/]+={0,2}$/.test(digest)) return new Uint8Array(b);
  }
  throw new Lock2nixError(`invalid ${algo} digest ${JSON.stringify(digest)}`);
}

/**
 * Parse any spelling Nix accepts: SRI (`sha256-<base64>`), `<algo>:<digest>` with a base16, nix32 or base64
 * digest (told apart by length for that algorithm), or a bare digest when `algo` is given.
 * The algorithm is never guessed from the length alone.
 */
export function parseHash(s: string, algo?: HashAlgo): ParsedHash {
  const sri = /^(sha1|sha256|sha512)-(.+)$/.exec(s);
  if (sri) {
    const a = sri[1] as HashAlgo;
    const b = Buffer.from(sri[2]!, 'base64');
    if (b.length !== DIGEST_BYTES[a] || !/^[A-Za-z0-9+/]+={0,2}$/.test(sri[2]!)) throw new Lock2nixError(`invalid SRI hash ${JSON.stringify(s)}`);
    return { algo: a, bytes: new Uint8Array(b) };
  }
  const colon = /^(sha1|sha256|sha512):(.+)$/.exec(s);
  if (colon) return { algo: colon[1] as HashAlgo, bytes: decodeDigest(colon[1] as HashAlgo, colon[2]!) };
  if (algo) return { algo, bytes: decodeDigest(algo, s) };
  throw new Lock2nixError(`cannot tell the algorithm of hash ${JSON.stringify(s)}`);
}

export type HashFormat = 'sri' | 'nix32' | 'hex' | 'base64';

export function formatHash(h: ParsedHash, format: HashFormat): string {
  switch (format) {
    case 'sri': return toSri(h.algo, h.bytes);
    case 'nix32': return toNix32(h.bytes);
    case 'hex': return bytesToHex(h.bytes);
    case 'base64': return Buffer.from(h.bytes).toString('base64');
  }
}

export function digestHex(algo: HashAlgo, data: string | Uint8Array): string {
  return createHash(algo).update(data).digest('hex');
}
