// The NuGet converter: project.assets.json and packages.lock.json to pinned .nupkg downloads, assembled by
// templates/lib/nuget.nix into a source folder that `dotnet restore --source` reads offline.
//
// The lockfiles state NuGet's content hash (the package without its signature), never the hash of the file
// a feed serves. So every package is downloaded, its content hash computed and compared (verify), and the
// file's own hash pinned. Offline, only the cache can pin.

import { HashMismatchError, Lock2nixError, hexToSri, isFetchedTree, parseHash, type Converter, type ConvertContext, type ParsedLock, type PinnedArtifact, type Resolved } from '@lock2nix/core';
import { nupkgContentHash } from './content-hash.ts';
import { renderDepsJson } from './deps-json.ts';
import { parseJson } from './json.ts';
import { readNuspecIdentity } from './nuspec.ts';
import { normalizeVersion } from './version.ts';
import { parseAssets } from './parse-assets.ts';
import { parsePackagesLock } from './parse-packages-lock.ts';
import { ASSETS_FILE, nugetInfo } from './meta.ts';
import { resolvePlan } from './resolve.ts';
import type { NugetPlan } from './schema.ts';

export { ASSETS_FILE, PACKAGES_LOCK_FILE } from './meta.ts';

/** Parse either NuGet lockfile into the package plan; throws LockfileError with the line on bad input. */
export function parseNuget(file: string, text: string): NugetPlan {
  const doc = parseJson(file, text);
  const isAssets = file.endsWith(ASSETS_FILE) || (typeof doc.value === 'object' && doc.value !== null && 'libraries' in doc.value && 'targets' in doc.value);
  return isAssets ? parseAssets(doc) : parsePackagesLock(doc);
}

function formatOf(plan: NugetPlan): string {
  return plan.kind === 'assets' ? `project.assets.json v${plan.formatVersion}` : `packages.lock.json v${plan.formatVersion}`;
}

export const nugetConverter: Converter<NugetPlan> = {
  ecosystem: nugetInfo.ecosystem,
  title: nugetInfo.title,
  lockfileNames: nugetInfo.lockfileNames,
  builder: nugetInfo.builder,
  // each package's meta.contentHash is the content hash its pin was verified against (an --offline run may
  // reuse an earlier pin on that ground: core/src/pin.ts)
  verifiedHashMeta: 'contentHash',
  offlineReusesEarlierOutput: true,
  formats: {
    nixpkgs: {
      description: "deps.json for nixpkgs' buildDotnetModule (nugetDeps)",
      suffix: '.deps.json',
      render: (artifacts) => renderDepsJson({ artifacts }),
    },
  },
  detect: nugetInfo.detect,
  parse(file, text): ParsedLock<NugetPlan> {
    const plan = parseNuget(file, text);
    return { ecosystem: 'nuget', file, format: formatOf(plan), native: plan };
  },
  resolve(lock, ctx) {
    return resolvePlan(lock.native, lock.file, ctx);
  },
  async verify(artifact, file) {
    if (isFetchedTree(file)) return; // NuGet fetches files only
    const stated = artifact.hashes.find((h) => h.meaning === 'ecosystem' && h.algo === 'sha512');
    if (!stated) return;
    let actual;
    try {
      actual = await nupkgContentHash(file.path);
    } catch (e) {
      throw new Lock2nixError(`${artifact.name} ${artifact.version}: ${file.url} is not a readable .nupkg: ${(e as Error).message}`);
    }
    if (actual.hex !== stated.hex) {
      const feed = artifact.source.url ?? file.url;
      throw new HashMismatchError(
        `${artifact.name} ${artifact.version} (feed ${feed})`,
        file.url,
        hexToSri('sha512', stated.hex),
        hexToSri('sha512', actual.hex),
        `NuGet content hash (${stated.field}; the package without its signature)`,
      );
    }
  },
  async finish(pinned: PinnedArtifact[], resolved: Resolved, ctx: ConvertContext) {
    // Packs have no hash in the lockfile: check at least that the feed served the package they name.
    await Promise.all(
      pinned.map(async (a) => {
        if (a.fetch.type !== 'file' || !a.pin || a.hashes.length || (a.meta as Record<string, unknown> | undefined)?.role !== 'pack') return;
        const sha256 = Buffer.from(parseHash(a.pin.hash).bytes).toString('hex');
        const file = await ctx.prefetcher.cached({ urls: a.fetch.urls, pkg: `${a.name} ${a.version}`, expect: { algo: 'sha256', hex: sha256 } });
        if (!file) return; // pinned without a download (an earlier run's pin): checked then
        let found;
        try {
          found = await readNuspecIdentity(file.path);
        } catch (e) {
          throw new Lock2nixError(`${a.name} ${a.version}: ${file.url} is not a readable .nupkg: ${(e as Error).message}`);
        }
        if (found.id.toLowerCase() !== a.name.toLowerCase() || normalizeVersion(found.version)?.toLowerCase() !== a.version.toLowerCase()) {
          throw new Lock2nixError(`${a.name} ${a.version}: ${file.url} serves the package ${found.id} ${found.version}, not the one the lockfile names`);
        }
      }),
    );
    const unpinned = pinned.filter((a) => a.fetch.type !== 'none' && !a.pin);
    if (ctx.offline && unpinned.length) {
      (resolved.warnings ??= []).push(
        `${unpinned.length} NuGet packages are not pinned: NuGet lockfiles state content hashes (of the package without its signature), not hashes of the .nupkg files, so every package must be downloaded once, or be in the lock2nix download cache, to be pinned (or be recorded with the same content hash in the earlier output in the output folder). Run \`lock2nix nuget\` without --offline.`,
      );
    }
    return { artifacts: pinned, ...(resolved.meta !== undefined ? { meta: resolved.meta } : {}) };
  },
};

export default nugetConverter;
export { nupkgContentHash } from './content-hash.ts';
export type { NugetPlan, PlannedPackage } from './schema.ts';
export { renderDepsJson, depsJsonEntries, type DepsJsonEntry, type DepsJsonOptions } from './deps-json.ts';
