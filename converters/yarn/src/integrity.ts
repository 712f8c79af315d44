// Subresource-integrity strings as yarn.lock writes them: one or several `algo-base64` separated by spaces.

import { isHashAlgo, type HashAlgo } from '@lock2nix/core';

export interface ParsedIntegrity {
  hashes: { algo: HashAlgo; hex: string }[];
  /** algorithms Nix cannot use (sha384 ...), left out */
  ignored: string[];
}

const SIZES: Record<HashAlgo, number> = { sha1: 20, sha256: 32, sha512: 64 };

const PART = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/;

/** Parse; undefined when a part is malformed. */
export function parseIntegrity(s: string): ParsedIntegrity | undefined {
  const fast = parseOne(s);
  if (fast !== undefined) return { hashes: [fast], ignored: [] };
  const out: ParsedIntegrity = { hashes: [], ignored: [] };
  for (const part of s.trim().split(/\s+/)) {
    if (part === '') continue;
    const m = PART.exec(part);
    if (!m) return undefined;
    const algo = m[1]!;
    if (!isHashAlgo(algo)) {
      out.ignored.push(algo);
      continue;
    }
    const bytes = Buffer.from(m[2]!, 'base64');
    if (bytes.length !== SIZES[algo]) return undefined;
    const hex = bytes.toString('hex');
    if (!out.hashes.some((h) => h.algo === algo && h.hex === hex)) out.hashes.push({ algo, hex });
  }
  return out;
}

/** base64 digit of each ASCII code, -1 for others */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DIGIT['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
const scratch = Buffer.alloc(64);

/**
 * The common case, without intermediate strings: `s` is one `algo-base64` of a hash Nix uses, nothing around
 * it, with as many base64 digits as that hash needs (what `Buffer.from(_, 'base64')` decodes to its size).
 * Undefined for anything else, which the general path above then reads (and accepts or refuses) as before.
 */
function parseOne(s: string): { algo: HashAlgo; hex: string } | undefined {
  const dash = s.indexOf('-');
  const algo = dash === 4 ? s.slice(0, 4) : dash === 6 ? s.slice(0, 6) : undefined;
  if (algo === undefined || !isHashAlgo(algo)) return undefined;
  const size = SIZES[algo];
  // the digits, then up to two '=' and the end of the string
  let end = s.length;
  while (end > dash + 1 && s.charCodeAt(end - 1) === 0x3d /* = */ && s.length - end < 2) end--;
  const digits = end - dash - 1;
  if (digits !== Math.ceil((size * 8) / 6)) return undefined;
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = dash + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? DIGIT[c]! : -1;
    if (d < 0) return undefined;
    acc = ((acc << 6) | d) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      scratch[n++] = (acc >> bits) & 0xff;
    }
  }
  return n === size ? { algo, hex: scratch.toString('hex', 0, n) } : undefined;
}
