// Berry's `checksum`: the sha512 of the zip Yarn keeps in its cache. Rebuilt from the downloaded tarball with
// the same code the core builder runs, and compared byte for byte (through the digest).

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HashMismatchError, label, type Artifact, type FetchedFile } from '@lock2nix/core';
import { tgzToZip } from './berry-zip.mjs';

export async function verifyBerryZip(a: Artifact, file: FetchedFile): Promise<void> {
  const stated = a.hashes.find((h) => h.meaning === 'ecosystem' && h.field === 'checksum');
  const zip = (a.meta as { zip?: { prefix: string; level: number | 'mixed' } } | undefined)?.zip;
  if (!stated || !zip) return;
  const bytes = tgzToZip(await readFile(file.path), { prefix: zip.prefix, level: zip.level });
  const actual = createHash('sha512').update(bytes).digest('hex');
  if (actual !== stated.hex) {
    throw new HashMismatchError(label(a), file.url, stated.hex, actual, 'Berry cache zip checksum');
  }
}
