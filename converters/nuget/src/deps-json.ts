// `--format nixpkgs`: the deps.json that nixpkgs' buildDotnetModule reads as `nugetDeps`: one entry per
// package with its id, lower-cased version and the sha256 of the .nupkg file (not NuGet's content hash), and
// the download URL for packages from feeds other than nuget.org.

import type { ConvertResult, PinnedArtifact } from '@lock2nix/core';
import { NUGET_ORG_FLAT_CONTAINER } from './defaults.ts';

export interface DepsJsonEntry {
  pname: string;
  version: string;
  hash: string;
  url?: string;
}

export interface DepsJsonOptions {
  /**
   * Also list the packs from `downloadDependencies` (runtime, reference, apphost packs). Off by default:
   * nixpkgs' .NET SDK brings its own, and a second copy collides with it.
   */
  includePacks?: boolean;
}

/** The deps.json entries; throws when a package is not pinned (deps.json has no way to say "not yet"). */
export function depsJsonEntries(artifacts: PinnedArtifact[], opts: DepsJsonOptions = {}): DepsJsonEntry[] {
  const out: DepsJsonEntry[] = [];
  const missing: string[] = [];
  for (const a of artifacts) {
    if (a.fetch.type !== 'file') continue;
    const meta = (a.meta ?? {}) as Record<string, unknown>;
    if (meta.role === 'pack' && !opts.includePacks) continue;
    if (!a.pin) {
      missing.push(`${a.name} ${a.version}`);
      continue;
    }
    const url = a.fetch.urls[0];
    out.push({
      pname: typeof meta.id === 'string' ? meta.id : a.name,
      version: typeof meta.lowerVersion === 'string' ? meta.lowerVersion : a.version.toLowerCase(),
      hash: a.pin.hash,
      ...(url && !url.startsWith(NUGET_ORG_FLAT_CONTAINER) ? { url } : {}),
    });
  }
  if (missing.length) {
    throw new Error(`deps.json needs every package pinned; not pinned: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} (run lock2nix nuget without --offline)`);
  }
  const key = (e: DepsJsonEntry) => `${e.pname.toLowerCase()}\u0000${e.version}`;
  return out.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** The text of deps.json for a converted NuGet lockfile: sorted, two-space indented, newline at the end. */
export function renderDepsJson(result: Pick<ConvertResult, 'artifacts'>, opts: DepsJsonOptions = {}): string {
  return `${JSON.stringify(depsJsonEntries(result.artifacts, opts), null, 2)}\n`;
}
