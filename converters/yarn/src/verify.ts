// Berry's `checksum`: the sha512 of the zip Yarn keeps in its cache. Rebuilt from the downloaded tarball with
// the code the core builder runs (templates/lib/yarn-berry-zip.mjs; for deflated zips with the same libzip build the builder
// downloads), so what is verified is what Nix builds.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HashMismatchError, isFetchedTree, label, Lock2nixError, type Artifact, type FetchedFile, type VerifiedTree } from '@lock2nix/core';
import { checkoutToZip, PackRefused, tgzToZip, type ZipSpec } from '@lock2nix/templates/lib/yarn-berry-zip.mjs';
import { installedLibzipSync, libzipFor } from './libzip.ts';

interface ZipMeta {
  prefix: string;
  level: number | 'mixed';
  cacheKey: string;
}

/**
 * What the builder's zip code is called with for this zip: its spec and, for deflated zips, the libzip build
 * of the cache key. Undefined when no libzip build is known for a deflated zip's cache key (then nothing to check).
 */
function zipArgs(zip: ZipMeta): [spec: ZipSpec, libzipSync: string | undefined] | undefined {
  const spec: ZipSpec = { prefix: zip.prefix, level: zip.level, cacheKey: zip.cacheKey };
  if (zip.level === 0) return [spec, undefined];
  const build = libzipFor(zip.cacheKey);
  return build ? [spec, installedLibzipSync(build)] : undefined;
}

export async function verifyBerryZip(a: Artifact, file: FetchedFile | VerifiedTree): Promise<void> {
  if (isFetchedTree(file)) return verifyPackedTree(a, file);
  const stated = a.hashes.find((h) => h.meaning === 'ecosystem' && h.field === 'checksum');
  const zip = (a.meta as { zip?: ZipMeta } | undefined)?.zip;
  if (!stated || !zip) return;
  const args = zipArgs(zip);
  if (!args) return;
  const bytes = tgzToZip(await readFile(file.path), ...args);
  const actual = createHash('sha512').update(bytes).digest('hex');
  if (actual !== stated.hex) {
    throw new HashMismatchError(label(a), file.url, stated.hex, actual, 'Berry cache zip checksum');
  }
}

/**
 * Git and GitHub dependencies (pinned as a checkout, or as GitHub's archive of the commit, unpacked): the zip
 * Yarn keeps is the zip of what `yarn pack` makes of the source tree. Rebuilt here from the fetched tree with
 * the builder's code and compared with the lockfile's checksum; a package whose pack lock2nix does not
 * reproduce (scripts, another package manager) is refused, with or without a checksum (the builder could not
 * make the zip Yarn makes). Called by pinning for every fetched tree (core pin.ts).
 */
async function verifyPackedTree(a: Artifact, tree: VerifiedTree): Promise<void> {
  const zip = (a.meta as { zip?: ZipMeta & { from?: string } } | undefined)?.zip;
  const stated = a.hashes.find((h) => h.meaning === 'ecosystem' && h.field === 'checksum');
  if (zip?.from !== 'checkout') return;
  const args = zipArgs(zip);
  if (!args) return;
  const where = a.fetch.type === 'git' ? `${tree.url}#${a.fetch.rev}` : tree.url;
  let bytes: Buffer;
  try {
    bytes = checkoutToZip(tree.dir, ...args);
  } catch (e) {
    if (!(e instanceof PackRefused)) throw e;
    throw new Lock2nixError(`${label(a)} (${a.fetch.type === 'git' ? `git ${tree.url} at ${a.fetch.rev}` : tree.url}): Yarn packs git dependencies itself (yarn pack in the source tree); lock2nix reproduces that for plain packages only, and refuses this one: ${e.message}`);
  }
  if (!stated) return;
  const actual = createHash('sha512').update(bytes).digest('hex');
  if (actual !== stated.hex) throw new HashMismatchError(label(a), where, stated.hex, actual, `Berry cache zip checksum (packed ${a.fetch.type === 'git' ? 'git checkout' : 'GitHub archive'})`);
}
