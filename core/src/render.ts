// The generated data file: one per ecosystem, pure data, sorted, diff-friendly. Entries that could not be
// pinned evaluate to a `throw` naming the package and the command that pins it.

import { stripCredentials } from './credentials.ts';
import type { Ecosystem, NixData, PinnedArtifact, Source } from './model.ts';
import { nixThrow, printNixMapped } from './nix/print.ts';
import { label } from './pin.ts';

/**
 * Bumped when the shape of the generated data changes; the core builders and `lock2nix update` check it.
 * Format 2 (format 1 repeated what can be derived, which made the file slow for Nix to parse):
 * - `fetch` holds exactly the fetcher's arguments, so a builder passes it on as it is: `{ hash; name; url; }`
 *   (`urls` instead of `url` when there are none or several) for `file` (fetchurl; `name` left out when it is
 *   the first URL's base name, fetchurl's own default) and `archive` (fetchzip), `{ fetchSubmodules; hash;
 *   name; rev; url; }` for `git` (fetchgit); no `fetch` for `none`;
 * - `type` is left out for `file`, the common case; `reason` says why a `none` entry has nothing to fetch;
 * - `cachePath` is left out when it is the key;
 * - `source` is left out when it is `{ kind = "registry"; url = <the first download URL>; }`, and is the name
 *   of an entry of the top-level `sources` when several artifacts share that source.
 */
export const OUTPUT_FORMAT = 2;

export interface RenderInput {
  ecosystem: Ecosystem;
  lockfileName: string;
  lockfileFormat: string;
  /** SRI sha256 of the lockfile text */
  lockfileHash: string;
  artifacts: PinnedArtifact[];
  meta?: NixData;
}

export function pinCommand(eco: Ecosystem): string {
  return `lock2nix ${eco}`;
}

/** What Nix's `baseNameOf` gives for a URL without a trailing slash (fetchurl's default `name`). */
export function urlBaseName(url: string): string | undefined {
  if (url.endsWith('/')) return undefined;
  return url.slice(url.lastIndexOf('/') + 1);
}

/** fetchurl's and fetchzip's download addresses: `url` for one, `urls` for none or several. */
function urlArgs(urls: string[]): { url: string } | { urls: string[] } {
  return urls.length === 1 ? { url: urls[0]! } : { urls };
}

/** The first download URL of a fetch, if it has one. */
function firstUrl(f: PinnedArtifact['fetch']): string | undefined {
  return f.type === 'file' || f.type === 'archive' ? f.urls[0] : f.type === 'git' ? f.url : undefined;
}

/** The name a shared source is listed under in `sources`. */
function sourceId(s: Source): string {
  return s.name ?? s.url ?? s.path ?? s.kind;
}

/** A canonical text of a source, after `strip`, for comparing sources. */
function sourceText(s: Source, strip: (s: string) => string): string {
  return JSON.stringify(Object.keys(s).sort().map((k) => [k, strip(String(s[k as keyof Source]))]));
}

function artifactData(eco: Ecosystem, a: PinnedArtifact, source: NixData | undefined, strip: (s: string) => string): NixData {
  const f = a.fetch;
  const hash = a.pin?.hash ?? nixThrow(`lock2nix: ${eco} package ${label(a)} is not pinned yet; run \`${pinCommand(eco)}\` without --offline to pin it`);
  let fetch: NixData | undefined;
  switch (f.type) {
    case 'file': {
      const first = f.urls[0];
      const implied = first !== undefined && urlBaseName(strip(first)) === strip(f.name);
      fetch = { ...urlArgs(f.urls), name: implied ? undefined : f.name, hash };
      break;
    }
    case 'archive':
      fetch = { ...urlArgs(f.urls), name: f.name, hash };
      break;
    case 'git':
      fetch = { url: f.url, rev: f.rev, fetchSubmodules: f.submodules, name: f.name, hash };
      break;
    case 'none':
      fetch = undefined;
      break;
  }
  return {
    name: a.name,
    version: a.version,
    type: f.type === 'file' ? undefined : f.type,
    reason: f.type === 'none' ? f.reason : undefined,
    source,
    fetch,
    cachePath: a.cachePath === a.key ? undefined : a.cachePath,
    meta: a.meta,
  };
}

export interface Rendered {
  text: string;
  /** credentials were found in URLs and left out of the text */
  strippedCredentials: boolean;
}

/** The data file's text. Credentials in URLs (used while prefetching) are never printed. */
export function renderData(input: RenderInput): string {
  return renderDataReport(input).text;
}

/** `renderData`, also telling whether credentials were left out. */
export function renderDataReport(input: RenderInput): Rendered {
  // credentials are stripped from every string while printing: the same text as printing
  // stripCredentialsDeep(data), without a deep copy of the data
  let changed = false;
  const strip = (s: string): string => {
    const t = stripCredentials(s);
    if (t !== s) changed = true;
    return t;
  };
  // sources: left out when implied by the download URL; shared ones listed once under their name
  const isDefault = (a: PinnedArtifact): boolean => {
    const s = a.source;
    const first = firstUrl(a.fetch);
    return s.kind === 'registry' && s.url !== undefined && first !== undefined && Object.keys(s).every((k) => k === 'kind' || k === 'url' || (s as unknown as Record<string, unknown>)[k] === undefined) && strip(s.url) === strip(first);
  };
  const groups = new Map<string, { text: string; source: Source; count: number } | null>();
  for (const a of input.artifacts) {
    if (isDefault(a)) continue;
    const id = strip(sourceId(a.source));
    const text = sourceText(a.source, strip);
    const g = groups.get(id);
    if (g === undefined) groups.set(id, { text, source: a.source, count: 1 });
    else if (g !== null && g.text === text) g.count++;
    else groups.set(id, null);
  }
  const sources: Record<string, NixData> = {};
  // (a name that is not a plain property of an object stays inline)
  for (const [id, g] of groups) if (g && g.count > 1 && id !== '__proto__') sources[id] = { ...g.source };
  const artifacts: Record<string, NixData> = {};
  for (const a of input.artifacts) {
    let source: NixData | undefined;
    if (!isDefault(a)) {
      const id = strip(sourceId(a.source));
      source = Object.hasOwn(sources, id) ? id : { ...a.source };
    }
    artifacts[a.key] = artifactData(input.ecosystem, a, source, strip);
  }
  const data: NixData = {
    format: OUTPUT_FORMAT,
    ecosystem: input.ecosystem,
    lockfile: { name: input.lockfileName, format: input.lockfileFormat, hash: input.lockfileHash },
    meta: input.meta,
    sources: Object.keys(sources).length > 0 ? sources : undefined,
    artifacts,
  };
  const header = `# Generated by lock2nix from ${input.lockfileName.replace(/[\r\n]/g, ' ')}. Do not edit: run \`${pinCommand(input.ecosystem)}\` to update.\n`;
  const text = printNixMapped(data, strip, header, '\n');
  return { text, strippedCredentials: changed };
}
