// Berry's `checksum`: the sha512 of the zip Yarn keeps in its cache. Rebuilt from the downloaded tarball with
// the code the core builder runs (berry-zip.mjs; for deflated zips with the same libzip build the builder
// downloads), so what is verified is what Nix builds.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HashMismatchError, label, type Artifact, type FetchedFile } from '@lock2nix/core';
import { tgzToZip } from './berry-zip.mjs';
import { installedLibzipSync, libzipFor } from './libzip.ts';

interface ZipMeta {
  prefix: string;
  level: number | 'mixed';
  cacheKey: string;
}

export async function verifyBerryZip(a: Artifact, file: FetchedFile): Promise<void> {
  const stated = a.hashes.find((h) => h.meaning === 'ecosystem' && h.field === 'checksum');
  const zip = (a.meta as { zip?: ZipMeta } | undefined)?.zip;
  if (!stated || !zip) return;
  const tgz = await readFile(file.path);
  const build = libzipFor(zip.cacheKey);
  if (zip.level !== 0 && !build) return;
  const bytes = tgzToZip(tgz, { prefix: zip.prefix, level: zip.level }, zip.level === 0 ? undefined : installedLibzipSync(build!));
  const actual = createHash('sha512').update(bytes).digest('hex');
  if (actual !== stated.hex) {
    throw new HashMismatchError(label(a), file.url, stated.hex, actual, 'Berry cache zip checksum');
  }
}
