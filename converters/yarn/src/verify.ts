// Berry's `checksum`: the sha512 of the zip Yarn keeps in its cache. Rebuilt from the downloaded tarball with
// the code the core builder runs (berry-zip.mjs; for deflated zips with the same libzip build the builder
// downloads), so what is verified is what Nix builds.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FetchError, HashMismatchError, label, Lock2nixError, type Artifact, type ConvertContext, type FetchedFile, type PinnedArtifact, type Resolved } from '@lock2nix/core';
import { checkoutToZip, PackRefused, tgzToZip } from './berry-zip.mjs';
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
  const bytes = tgzToZip(tgz, { prefix: zip.prefix, level: zip.level, cacheKey: zip.cacheKey }, zip.level === 0 ? undefined : installedLibzipSync(build!));
  const actual = createHash('sha512').update(bytes).digest('hex');
  if (actual !== stated.hex) {
    throw new HashMismatchError(label(a), file.url, stated.hex, actual, 'Berry cache zip checksum');
  }
}

/**
 * Git dependencies (pinned as a checkout): the zip Yarn keeps is the zip of what `yarn pack` makes of the
 * checkout. Rebuilt here from the fetched tree with the builder's code and compared with the lockfile's
 * checksum; a package whose pack lock2nix does not reproduce (scripts, another package manager) is refused.
 */
export async function finishBerryGit(pinned: PinnedArtifact[], _resolved: Resolved, ctx: ConvertContext): Promise<{ artifacts: PinnedArtifact[] }> {
  for (const a of pinned) {
    const zip = (a.meta as { zip?: ZipMeta & { from?: string } } | undefined)?.zip;
    if (zip?.from !== 'checkout' || a.fetch.type !== 'git' || a.pin === undefined) continue;
    // offline, a pin can only come from an earlier run that verified it (ctx.reusePin): checked again only
    // when the tree is still in the cache
    const tree = await ctx.prefetcher.git({ url: a.fetch.url, rev: a.fetch.rev, submodules: a.fetch.submodules, pkg: label(a) }).catch((e: unknown) => {
      if (ctx.offline && e instanceof FetchError) return undefined;
      throw e;
    });
    if (tree === undefined) continue;
    const build = libzipFor(zip.cacheKey);
    if (zip.level !== 0 && !build) continue;
    let bytes: Buffer;
    try {
      bytes = checkoutToZip(tree.dir, { prefix: zip.prefix, level: zip.level, cacheKey: zip.cacheKey }, zip.level === 0 ? undefined : installedLibzipSync(build!));
    } catch (e) {
      if (!(e instanceof PackRefused)) throw e;
      throw new Lock2nixError(`${label(a)} (git ${a.fetch.url} at ${a.fetch.rev}): Yarn packs git dependencies itself (yarn pack in a clone); lock2nix reproduces that for plain packages only, and refuses this one: ${e.message}`);
    }
    const stated = a.hashes.find((h) => h.meaning === 'ecosystem' && h.field === 'checksum');
    if (!stated) continue;
    const actual = createHash('sha512').update(bytes).digest('hex');
    if (actual !== stated.hex) throw new HashMismatchError(label(a), `${a.fetch.url}#${a.fetch.rev}`, stated.hex, actual, 'Berry cache zip checksum (packed git checkout)');
  }
  return { artifacts: pinned };
}
