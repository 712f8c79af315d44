// Subresource-integrity strings as yarn.lock writes them: one or several `algo-base64` separated by spaces.

import { isHashAlgo, type HashAlgo } from '@lock2nix/core';

export interface ParsedIntegrity {
  hashes: { algo: HashAlgo; hex: string }[];
  /** algorithms Nix cannot use (sha384 ...), left out */
  ignored: string[];
}

const SIZES: Record<HashAlgo, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** Parse; undefined when a part is malformed. */
export function parseIntegrity(s: string): ParsedIntegrity | undefined {
  const out: ParsedIntegrity = { hashes: [], ignored: [] };
  for (const part of s.trim().split(/\s+/)) {
    if (part === '') continue;
    const m = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(part);
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
