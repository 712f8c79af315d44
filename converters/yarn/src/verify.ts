// Berry's `checksum`: the sha512 of the zip Yarn keeps in its cache. For stored zips (cacheKey `10c0`, Yarn
// 4's default) it is rebuilt from the downloaded tarball with the code the core builder runs (berry-zip.mjs),
// so what is verified is exactly what Nix builds. Deflated zips (cacheKey `10`, `8`: compressionLevel
// mixed) depend on the zlib inside Yarn's libzip build, which Node's zlib does not reproduce; they are
// rebuilt with Yarn's own libzip (@yarnpkg/core), which verifies the lockfile, but the core builder's copy
// of such a zip is not byte-identical (see README).

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashMismatchError, label, type Artifact, type FetchedFile } from '@lock2nix/core';
import { tgzToZip } from './berry-zip.mjs';

interface ZipMeta {
  prefix: string;
  level: number | 'mixed';
}

/** The zip Yarn's own code (libzip compiled to WebAssembly) makes from a tarball. */
export async function yarnZip(tgz: Buffer, zip: ZipMeta): Promise<Buffer> {
  const { tgzUtils } = await import('@yarnpkg/core');
  const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-zip-'));
  try {
    const tmpFile = join(dir, 'package.zip');
    const job = { tmpFile, tgz, compressionLevel: zip.level, extractBufferOpts: { prefixPath: zip.prefix, stripComponents: 1 } };
    await tgzUtils.convertToZipWorker(job as unknown as Parameters<typeof tgzUtils.convertToZipWorker>[0]);
    return await readFile(tmpFile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function verifyBerryZip(a: Artifact, file: FetchedFile): Promise<void> {
  const stated = a.hashes.find((h) => h.meaning === 'ecosystem' && h.field === 'checksum');
  const zip = (a.meta as { zip?: ZipMeta } | undefined)?.zip;
  if (!stated || !zip) return;
  const tgz = await readFile(file.path);
  const bytes = zip.level === 0 ? tgzToZip(tgz, { prefix: zip.prefix, level: 0 }) : await yarnZip(tgz, zip);
  const actual = createHash('sha512').update(bytes).digest('hex');
  if (actual !== stated.hex) {
    throw new HashMismatchError(label(a), file.url, stated.hex, actual, 'Berry cache zip checksum');
  }
}
