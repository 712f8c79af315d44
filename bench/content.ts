// Deterministic pseudo-random artifact bytes, generated on the fly (AES-128-CTR over zeros): the fixture
// server streams them and the benchmark computes the expected hashes from the same function, so nothing
// large is ever stored.

import { createCipheriv, createHash } from 'node:crypto';

const ZEROS = Buffer.alloc(1 << 20);

function cipherFor(seed: string) {
  const key = createHash('sha256').update(`key:${seed}`).digest().subarray(0, 16);
  const iv = createHash('sha256').update(`iv:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, iv);
}

/** The `size` bytes of artifact `seed`, whole (for small artifacts). */
export function contentBytes(seed: string, size: number): Buffer {
  const c = cipherFor(seed);
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= ZEROS.length) parts.push(c.update(ZEROS.subarray(0, Math.min(left, ZEROS.length))));
  parts.push(c.final());
  return Buffer.concat(parts);
}

/** The same bytes as `contentBytes`, in chunks of at most 1 MiB, for artifacts too large to hold. */
export function* contentChunks(seed: string, size: number): Generator<Buffer> {
  const c = cipherFor(seed);
  for (let left = size; left > 0; left -= ZEROS.length) yield c.update(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
}

export function sha256Hex(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A size between lo and hi bytes, fixed for the seed (so every run serves the same files). */
export function sizeFor(seed: string, lo: number, hi: number): number {
  const n = createHash('sha256').update(`size:${seed}`).digest().readUInt32BE(0);
  return lo + (n % (hi - lo + 1));
}
