// Pinning: give every artifact a hash Nix can use, and trust none that was not verified or justified by
// the lockfile's own checksum semantics.

import type { Converter, ConvertContext, EarlierEntry, VerifiedTree } from './converter.ts';
import { HashMismatchError, Lock2nixError } from './errors.ts';
import type { FetchedFile } from './fetch/types.ts';
import { hexToSri, parseHash, toSri } from './hash/encode.ts';
import { narHash } from './hash/nar.ts';
import type { Artifact, HashAlgo, Pin, PinnedArtifact, StatedHash } from './model.ts';

const STRENGTH: Record<HashAlgo, number> = { sha1: 1, sha256: 2, sha512: 3 };

/** The strongest stated hash of the given meaning. */
export function strongest(hashes: StatedHash[], meaning: StatedHash['meaning']): StatedHash | undefined {
  let best: StatedHash | undefined;
  for (const h of hashes) if (h.meaning === meaning && (!best || STRENGTH[h.algo] > STRENGTH[best.algo])) best = h;
  return best;
}

/** A stated hash that Nix may use as it is (sha1 is verified, then upgraded, never emitted). */
function emittable(h: StatedHash | undefined): h is StatedHash {
  return h !== undefined && h.algo !== 'sha1';
}

export function label(a: Artifact): string {
  return a.version ? `${a.name} ${a.version}` : a.name;
}

/** Compare every stated file hash with the downloaded bytes. */
function checkFileHashes(a: Artifact, f: FetchedFile): void {
  for (const h of a.hashes) {
    if (h.meaning !== 'file') continue;
    const actual = f.digests[h.algo];
    if (actual !== h.hex) {
      throw new HashMismatchError(label(a), f.url, hexToSri(h.algo, h.hex), hexToSri(h.algo, actual), `${h.field} (${h.algo})`);
    }
  }
}

/** Whether the converter must check a fetched file against an ecosystem hash the lockfile states. */
function checksEcosystemHash(a: Artifact, conv: Converter): boolean {
  if (conv.verify === undefined) return false;
  for (const h of a.hashes) if (h.meaning === 'ecosystem') return true;
  return false;
}

/**
 * The pin of a file taken from the lockfile's own hash without any download (offline, or a converter whose
 * stated file hashes are pinned as they are), decided synchronously by pinAll before it calls pinFile.
 */
function statedFilePin(a: Artifact & { fetch: { type: 'file' } }, conv: Converter, ctx: ConvertContext): Pin | undefined {
  if (!ctx.offline && conv.pinStatedFileHashes !== true) return undefined;
  const best = strongest(a.hashes, 'file');
  return emittable(best) && !checksEcosystemHash(a, conv) ? { hash: hexToSri(best.algo, best.hex), by: 'lockfile' } : undefined;
}

/** A file's pin from its download or the cache (pinAll has found no stated pin for it: statedFilePin). */
async function pinFile(a: Artifact & { fetch: { type: 'file' } }, conv: Converter, ctx: ConvertContext): Promise<Pin | undefined> {
  const best = strongest(a.hashes, 'file');
  // the pin's algorithm: the strongest stated one Nix may use, else sha256 of the bytes
  const algo: HashAlgo = emittable(best) ? best.algo : 'sha256';
  // the digests read below (the stated ones and the pin's), each computed in the one pass over the bytes; only
  // those (a yarn.lock integrity: sha512 alone, no second pass for a sha256 nobody reads)
  const digests = [...new Set([...a.hashes.filter((h) => h.meaning === 'file').map((h) => h.algo), algo])];
  const req = { urls: a.fetch.urls, pkg: label(a), digests, ...(best ? { expect: { algo: best.algo, hex: best.hex } } : {}) };
  const file = ctx.offline ? await ctx.prefetcher.cached(req) : await ctx.prefetcher.file(req);
  if (!file) return undefined;
  checkFileHashes(a, file);
  if (checksEcosystemHash(a, conv)) await conv.verify!(a, file, ctx);
  return { hash: hexToSri(algo, file.digests[algo]), by: 'download' };
}

async function pinTree(a: Artifact, conv: Converter, ctx: ConvertContext): Promise<Pin | undefined> {
  const stated = strongest(a.hashes, 'nar');
  if (ctx.offline) return emittable(stated) && !checksEcosystemHash(a, conv) ? { hash: hexToSri(stated.algo, stated.hex), by: 'lockfile' } : undefined;
  let tree: VerifiedTree;
  if (a.fetch.type === 'git') {
    tree = { ...(await ctx.prefetcher.git({ url: a.fetch.url, rev: a.fetch.rev, submodules: a.fetch.submodules, pkg: label(a) })), url: a.fetch.url };
  } else if (a.fetch.type === 'archive') {
    const { file, ...unpacked } = await ctx.prefetcher.archive({ urls: a.fetch.urls, pkg: label(a) });
    tree = { ...unpacked, url: file.url };
  } else {
    return undefined;
  }
  await checkNarHashes(a, tree);
  // every fetched tree goes through verify: besides ecosystem hashes, the converter may refuse a tree whose
  // use it cannot reproduce (a Berry git dependency whose pack runs scripts)
  if (conv.verify) await conv.verify(a, tree, ctx);
  return { hash: tree.narHash, by: 'download' };
}

/** Compare every stated NAR hash, whatever its algorithm, with the fetched tree. */
async function checkNarHashes(a: Artifact, tree: VerifiedTree): Promise<void> {
  for (const h of a.hashes) {
    if (h.meaning !== 'nar') continue;
    const actual = h.algo === 'sha256' ? tree.narHash : await narHash(tree.dir, h.algo);
    const expected = hexToSri(h.algo, h.hex);
    if (actual !== expected) throw new HashMismatchError(label(a), tree.url, expected, actual, `${h.field} (NAR, ${h.algo})`);
  }
}

/*
 * Offline runs and the earlier output (ctx.earlier). The committed data file is the memo of what an earlier run
 * resolved and verified, but it is a file anyone can edit, so an offline run takes from it only what the
 * lockfile's own hashes justify:
 *
 * - A stated file hash (Poetry's sha256 of each wheel/sdist): the pin is the lockfile's hash itself, as in any
 *   offline run; Nix checks the bytes against it at fetch time. The earlier output only lends the URL the
 *   lockfile does not record, and the converter takes it only for the same file name, package and version
 *   and when the earlier pin equals the lockfile's hash (so the entry describes exactly this file). A wrong or
 *   edited URL can make the fetch fail, never let other bytes in.
 * - Only an ecosystem hash (NuGet's content hash, a sha512 of the package without its signature; no hash of
 *   the file a feed serves): the earlier pin of the same download (same URLs and name) is reused when the
 *   earlier entry records, in the converter's `verifiedHashMeta` attribute, the ecosystem hash that pin was
 *   verified against, and that equals the lockfile's now and the one this run records. A run writes that
 *   attribute only beside pins it verified against it (downloads and cache hits go through `verify`, reused
 *   pins satisfied this same rule), so the lockfile's hash is what the file behind the pin was checked
 *   against; a changed content hash in the lockfile leaves the entry unpinned. The pin must be what a fresh
 *   run would emit for such an artifact (sha256 of the file), so the output stays byte-identical to an
 *   online run's.
 * - NAR hashes (git, archives) and entries without any stated hash are never taken from an earlier output.
 */

/** Offline, after a cache miss: the earlier output's pin of this artifact when the rule above allows it. */
export function earlierPin(a: Artifact, conv: Converter, e: EarlierEntry | undefined): Pin | undefined {
  const field = conv.verifiedHashMeta;
  if (!e?.hash || !field || a.fetch.type !== 'file' || e.fetch.type !== 'file') return undefined;
  if (a.hashes.some((h) => h.meaning !== 'ecosystem')) return undefined;
  const stated = strongest(a.hashes, 'ecosystem');
  if (!stated) return undefined;
  const want = hexToSri(stated.algo, stated.hex);
  if (e.meta[field] !== want || (a.meta as Record<string, unknown> | undefined)?.[field] !== want) return undefined;
  if (JSON.stringify(e.fetch.urls) !== JSON.stringify(a.fetch.urls) || e.fetch.name !== a.fetch.name || a.fetch.urls.length === 0) return undefined;
  let hash: string;
  try {
    const h = parseHash(e.hash);
    if (h.algo !== 'sha256') return undefined;
    hash = toSri(h.algo, h.bytes);
  } catch {
    return undefined;
  }
  if (hash !== e.hash) return undefined;
  return { hash, by: 'download' };
}

/**
 * Offline, a file with neither a URL nor a stated file hash: the cache has nothing to look it up by (pinFile would
 * ask `prefetcher.cached` with no URL and no expected digest, which finds nothing), so it stays unpinned at once,
 * without a promise (a large offline Poetry conversion: every file whose URL no earlier output lends).
 */
function nothingToLookUp(a: Artifact): boolean {
  return a.fetch.type === 'file' && a.fetch.urls.length === 0 && strongest(a.hashes, 'file') === undefined;
}

/**
 * Pin every artifact. In parallel: the prefetcher bounds concurrency. The result keeps the input order; so do
 * the failures. An artifact whose pin needs no await (reused, taken from the lockfile, or nothing to fetch) is
 * done on the spot, without a promise of its own: most of a large offline conversion.
 */
export async function pinAll(artifacts: Artifact[], conv: Converter, ctx: ConvertContext): Promise<PinnedArtifact[]> {
  let done = 0;
  const total = artifacts.length;
  const out = new Array<PinnedArtifact>(total);
  const failed = new Map<number, unknown>();
  const finish = (i: number, a: Artifact, found: Pin | undefined): void => {
    try {
      let pin = found;
      if (!pin && ctx.offline && ctx.earlier) pin = earlierPin(a, conv, ctx.earlier(a.key));
      ctx.reporter.report({ type: 'progress', done: ++done, total, label: label(a) });
      out[i] = pin ? { ...a, pin } : { ...a };
    } catch (e) {
      failed.set(i, e);
    }
  };
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const a = artifacts[i]!;
    try {
      // a pin an earlier run verified for the same download (ctx.reusePin, optional) saves the fetch
      let pin: Pin | undefined = a.fetch.type !== 'none' ? ctx.reusePin?.(a, conv.verifiedHashMeta) : undefined;
      if (!pin && a.fetch.type === 'file') pin = statedFilePin(a as Artifact & { fetch: { type: 'file' } }, conv, ctx);
      if (pin || a.fetch.type === 'none' || (ctx.offline && nothingToLookUp(a))) {
        finish(i, a, pin);
        continue;
      }
    } catch (e) {
      failed.set(i, e);
      continue;
    }
    const fetched = a.fetch.type === 'file' ? pinFile(a as Artifact & { fetch: { type: 'file' } }, conv, ctx) : pinTree(a, conv, ctx);
    pending.push(
      fetched.then(
        (pin) => finish(i, a, pin),
        (e: unknown) => void failed.set(i, e),
      ),
    );
  }
  await Promise.all(pending);
  const failures = [...failed.entries()].sort((x, y) => x[0] - y[0]).map((x) => x[1]);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new PinError(failures);
  return out;
}

/** Several artifacts could not be pinned: every one is named, each with its own cause. */
export class PinError extends Lock2nixError {
  override name = 'PinError';
  readonly errors: unknown[];
  constructor(errors: unknown[]) {
    const lines = errors.map((e) => `  - ${(e instanceof Error ? e.message : String(e)).replace(/\n/g, '\n    ')}`);
    super(`${errors.length} artifacts could not be pinned:\n${lines.join('\n')}`);
    this.errors = errors;
  }
}
