// From the package plan to artifacts: which feed serves each package (the service index of every source,
// tried in order), its flat-container URL, the content hash to verify, and the cache name in the source folder.

import { readFile } from 'node:fs/promises';
import { FetchError, HashMismatchError, UsageError, hexToSri, storeName, type Artifact, type ConvertContext, type NixData, type Resolved } from '@lock2nix/core';
import { nupkgContentHash } from './content-hash.ts';
import { NUGET_ORG_FLAT_CONTAINER, NUGET_ORG_SERVICE_INDEX, NUGET_ORG_SOURCES, PACKAGE_BASE_ADDRESS_TYPES } from './defaults.ts';
import { findConfigFiles, mappedSources, readNugetConfig, type Credential, type NugetConfig } from './nuget-config.ts';
import type { NugetPlan, PlannedPackage } from './schema.ts';

export interface Feed {
  /** the source as the lockfile or nuget.config writes it (service index URL or v2 feed URL) */
  source: string;
  /** nuget.config key, when the source is named there */
  key?: string;
  protocol: 'v3' | 'v2';
  /** v3: the flat container base address (ends in `/`); v2: the feed URL without a trailing `/`; undefined: unknown (offline) */
  base?: string;
  /** credentials for this feed's URLs (service index and flat container), used by the prefetcher only */
  cred?: Credential;
}

/** The .NET runtime identifier of the machine that will build, e.g. `linux-x64`; override with LOCK2NIX_NUGET_RID. */
export function buildRid(env: Record<string, string | undefined>): string {
  if (env.LOCK2NIX_NUGET_RID) return env.LOCK2NIX_NUGET_RID;
  const os = process.platform === 'darwin' ? 'osx' : process.platform === 'win32' ? 'win' : 'linux';
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : process.arch === 'arm' ? 'arm' : process.arch === 'ia32' ? 'x86' : process.arch;
  return `${os}-${arch}`;
}

export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** The flat-container URL of a package: `{base}{lower-id}/{lower-version}/{lower-id}.{lower-version}.nupkg`. */
export function flatContainerUrl(base: string, p: Pick<PlannedPackage, 'lowerId' | 'lowerVersion'>): string {
  return `${base}${encodeURIComponent(p.lowerId)}/${encodeURIComponent(p.lowerVersion)}/${encodeURIComponent(p.lowerId)}.${encodeURIComponent(p.lowerVersion)}.nupkg`;
}

export function packageUrl(feed: Feed, p: PlannedPackage): string | undefined {
  if (!feed.base) return undefined;
  if (feed.protocol === 'v3') return flatContainerUrl(feed.base, p);
  return `${feed.base}/package/${encodeURIComponent(p.id)}/${encodeURIComponent(p.version)}`;
}

/** The offline-cache name of a package in the hierarchical source folder. */
export function sourceFolderPath(p: Pick<PlannedPackage, 'lowerId' | 'lowerVersion'>): string {
  return `${p.lowerId}/${p.lowerVersion}/${p.lowerId}.${p.lowerVersion}.nupkg`;
}

/** Credentials in a URL's user-info part are moved out of it (they must never reach the output). */
function splitUserInfo(url: string): { url: string; cred?: Credential } {
  if (!isHttpUrl(url)) return { url };
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const cred = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), cred };
}

function basicAuth(c: Credential): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
}

/**
 * Read a feed's service index and find its flat container (PackageBaseAddress). The index is fetched through
 * the download cache, so that `--offline` finds the flat container of a feed read once before; undefined
 * when offline and not cached.
 */
async function readServiceIndex(feed: Feed, ctx: ConvertContext): Promise<string | undefined> {
  const req = { urls: [feed.source], pkg: `NuGet feed ${feed.source}` };
  let file;
  try {
    file = ctx.offline ? await ctx.prefetcher.cached(req) : await ctx.prefetcher.file(req);
  } catch (e) {
    if (e instanceof FetchError && (e.status === 401 || e.status === 403)) {
      throw new FetchError(feed.source, `HTTP ${e.status}: the feed wants credentials; add them for source ${feed.key ?? feed.source} in nuget.config (<packageSourceCredentials>)`, { status: e.status });
    }
    throw e;
  }
  if (!file) return undefined;
  let resources: unknown;
  try {
    resources = (JSON.parse(await readFile(file.path, 'utf8')) as { resources?: unknown }).resources;
  } catch {
    throw new FetchError(feed.source, 'the NuGet service index is not JSON');
  }
  if (Array.isArray(resources)) {
    for (const type of PACKAGE_BASE_ADDRESS_TYPES) {
      const r = resources.find((x: { '@type'?: unknown; '@id'?: unknown }) => (Array.isArray(x['@type']) ? x['@type'].includes(type) : x['@type'] === type) && typeof x['@id'] === 'string') as { '@id': string } | undefined;
      if (r) {
        const base = new URL(r['@id'], feed.source).toString();
        return base.endsWith('/') ? base : `${base}/`;
      }
    }
  }
  throw new FetchError(feed.source, 'the NuGet service index has no PackageBaseAddress/3.0.0 resource (flat container)');
}

/** Does a v3 feed list this version? (its flat container's versions list; 404: no such id there) */
async function feedHas(feed: Feed, p: PlannedPackage, ctx: ConvertContext): Promise<boolean> {
  if (feed.protocol !== 'v3' || !feed.base) return true;
  const url = `${feed.base}${encodeURIComponent(p.lowerId)}/index.json`;
  const res = await ctx.prefetcher.text({ url, accept: 'application/json', pkg: `${p.id} ${p.version}` });
  if (res.status === 404) return false;
  if (res.status !== 200) throw new FetchError(url, `HTTP ${res.status} while looking for ${p.id} ${p.version} on ${feed.source}`, { status: res.status, pkg: `${p.id} ${p.version}` });
  try {
    const versions = (JSON.parse(res.body) as { versions?: unknown }).versions;
    return Array.isArray(versions) && versions.some((v) => typeof v === 'string' && v.toLowerCase() === p.lowerVersion);
  } catch {
    throw new FetchError(url, 'the versions list is not JSON', { pkg: `${p.id} ${p.version}` });
  }
}

/**
 * Offline: the feed and URLs an earlier run's output used for a package, when that entry was pinned and records
 * the same content hash as the lockfile now, and its source is one of the feeds this run may take the package
 * from. Whether its pin is reused is decided by core (pin.ts, earlierPin).
 */
function earlierDownload(ctx: ConvertContext, key: string, contentHash: string, candidates: Feed[]): { feed: Feed; urls: string[] } | undefined {
  const e = ctx.earlier?.(key);
  if (!e?.hash || e.fetch.type !== 'file' || e.meta.contentHash !== contentHash) return undefined;
  const urls = e.fetch.urls;
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && isHttpUrl(u))) return undefined;
  const norm = (s: string) => s.toLowerCase().replace(/\/+$/, '');
  const feed = e.source.url !== undefined ? candidates.find((f) => norm(f.source) === norm(e.source.url!)) : undefined;
  if (!feed) return undefined;
  return { feed, urls: urls as string[] };
}

export interface ResolveOptions {
  /** nuget.config files to read instead of searching from the project folder (tests) */
  configFiles?: string[];
}

export async function resolvePlan(plan: NugetPlan, file: string, ctx: ConvertContext, opts: ResolveOptions = {}): Promise<Resolved> {
  const warnings: string[] = [];
  const config: NugetConfig = await readNugetConfig(opts.configFiles ?? (await findConfigFiles(ctx.projectDir, ctx.env)), ctx.env);
  warnings.push(...config.warnings);

  // Sources in order: the ones restore used (assets), then nuget.config's; nuget.org when none is given.
  const seen = new Set<string>();
  const feeds: Feed[] = [];
  const localSources: string[] = [];
  const addSource = (raw: string, key?: string, protocolVersion?: string, cred?: Credential): void => {
    if (!isHttpUrl(raw)) {
      if (!localSources.includes(raw)) localSources.push(raw);
      return;
    }
    const { url, cred: inUrl } = splitUserInfo(raw);
    const norm = url.toLowerCase().replace(/\/+$/, '');
    if (seen.has(norm)) {
      const f = feeds.find((x) => x.source.toLowerCase().replace(/\/+$/, '') === norm);
      if (f && key && !f.key) f.key = key;
      if (f && !f.cred && (inUrl ?? cred)) {
        f.cred = inUrl ?? cred;
        ctx.prefetcher.authorize(f.source, basicAuth(f.cred!));
      }
      return;
    }
    seen.add(norm);
    const protocol: Feed['protocol'] = protocolVersion === '3' || /\.json$/i.test(new URL(url).pathname) ? 'v3' : 'v2';
    const c = inUrl ?? cred;
    const feed: Feed = { source: url, protocol, ...(key ? { key } : {}), ...(c ? { cred: c } : {}) };
    feeds.push(feed);
    // only this feed's own URLs get its credentials (two feeds on one host may have different ones)
    if (c) ctx.prefetcher.authorize(url, basicAuth(c));
  };
  const configByUrl = new Map(config.sources.map((s) => [s.url.toLowerCase().replace(/\/+$/, ''), s]));
  for (const s of plan.sources) {
    const c = configByUrl.get(s.toLowerCase().replace(/\/+$/, ''));
    addSource(s, c?.key, c?.protocolVersion, c ? config.credentials.get(c.key) : undefined);
  }
  for (const s of config.sources) addSource(s.url, s.key, s.protocolVersion, config.credentials.get(s.key));
  if (feeds.length === 0 && localSources.length === 0) addSource(NUGET_ORG_SERVICE_INDEX);

  // Each feed's flat container: nuget.org's is known; others come from their service index (not offline).
  const unknownOffline: string[] = [];
  await Promise.all(
    feeds.map(async (f) => {
      const isNugetOrg = NUGET_ORG_SOURCES.some((s) => s.toLowerCase() === f.source.toLowerCase());
      if (isNugetOrg) {
        f.protocol = 'v3';
        f.base = NUGET_ORG_FLAT_CONTAINER;
      } else if (f.protocol === 'v2') {
        f.base = f.source.replace(/\/+$/, '');
      } else {
        const base = await readServiceIndex(f, ctx);
        if (!base) {
          unknownOffline.push(f.source);
          return;
        }
        f.base = base;
      }
      if (f.cred && f.base) ctx.prefetcher.authorize(f.protocol === 'v2' ? `${f.base}/` : f.base, basicAuth(f.cred));
    }),
  );
  const usable = feeds.filter((f) => f.base);
  if (usable.length === 0 && !ctx.offline) {
    throw new UsageError(`${file}: no HTTP(S) NuGet feed to download from (sources: ${[...feeds.map((f) => f.source), ...localSources].join(', ') || 'none'}); add one to nuget.config`);
  }

  // Where each package comes from: the only feed, or the first feed that lists it.
  const raceWarnings: string[] = [];
  const artifacts: Artifact[] = await Promise.all(
    plan.packages.map(async (p): Promise<Artifact> => {
      let candidates = usable;
      const allowed = mappedSources(config.mapping, p.id);
      if (allowed) {
        candidates = usable.filter((f) => f.key !== undefined && allowed.has(f.key));
        if (candidates.length === 0 && !ctx.offline) {
          throw new UsageError(`${file}: packageSourceMapping in nuget.config (${config.files.join(', ')}) allows ${p.id} from ${allowed.size ? [...allowed].sort().join(', ') : 'no source'}, and no such feed is configured`);
        }
      }
      if (candidates.length > 1 && !ctx.offline) {
        // One feed after the other, as restore does: a later feed is asked only when the earlier ones lack
        // the package, or serve one whose content hash is not the lockfile's (two feeds with different
        // packages under one id and version: restore took it from the other feed).
        let chosen: Feed | undefined;
        const differing: { feed: Feed; error: HashMismatchError }[] = [];
        for (const feed of candidates) {
          if (!(await feedHas(feed, p, ctx))) continue;
          const url = packageUrl(feed, p);
          if (!p.contentHash || !url) {
            chosen = feed;
            break;
          }
          const file = await ctx.prefetcher.file({ urls: [url], pkg: `${p.id} ${p.version}` });
          const actual = await nupkgContentHash(file.path);
          const expected = Buffer.from(p.contentHash, 'base64').toString('hex');
          if (actual.hex === expected) {
            chosen = feed;
            break;
          }
          differing.push({ feed, error: new HashMismatchError(`${p.id} ${p.version} (feed ${feed.source})`, url, hexToSri('sha512', expected), hexToSri('sha512', actual.hex), `NuGet content hash (${p.hashField ?? 'sha512'}; the package without its signature)`) });
        }
        if (!chosen && differing.length) throw differing[0]!.error;
        if (!chosen) {
          throw new FetchError(candidates[0]!.source, `${p.id} ${p.version} is on none of the feeds ${candidates.map((f) => f.source).join(', ')}${localSources.length ? ` (local sources are not read: ${localSources.join(', ')})` : ''}`, { pkg: `${p.id} ${p.version}` });
        }
        for (const d of differing) {
          raceWarnings.push(`${p.id} ${p.version}: feed ${d.feed.source} serves a different package under this id and version (its content hash is not the lockfile's); taken from ${chosen.source}, whose package matches`);
        }
        candidates = [chosen];
      }
      let feed = candidates[0];
      let urls = candidates.flatMap((f) => packageUrl(f, p) ?? []);
      const contentHash = p.contentHash ? `sha512-${p.contentHash}` : undefined;
      if (ctx.offline && contentHash) {
        // the download an earlier run chose and verified against this same content hash (pin.ts, earlierPin)
        // any configured feed the package may come from, also one whose service index is not in the cache
        const mayServe = allowed ? feeds.filter((f) => f.key !== undefined && allowed.has(f.key)) : feeds;
        const earlier = earlierDownload(ctx, `${p.lowerId}/${p.lowerVersion}`, contentHash, mayServe);
        if (earlier) ({ feed, urls } = earlier);
      }
      const chosen = feed;
      const meta: Record<string, NixData> = { id: p.id, lowerId: p.lowerId, lowerVersion: p.lowerVersion, role: p.role, ...(contentHash ? { contentHash } : {}) };
      return {
        key: `${p.lowerId}/${p.lowerVersion}`,
        name: p.id,
        version: p.version,
        source: {
          kind: chosen && NUGET_ORG_SOURCES.some((s) => s.toLowerCase() === chosen.source.toLowerCase()) ? 'registry' : 'alt-registry',
          ...(chosen ? { url: chosen.source } : {}),
          ...(chosen?.key ? { name: chosen.key } : {}),
        },
        fetch: { type: 'file', urls, name: storeName(`${p.lowerId}.${p.lowerVersion}.nupkg`) },
        hashes: p.contentHash ? [{ algo: 'sha512', hex: Buffer.from(p.contentHash, 'base64').toString('hex'), meaning: 'ecosystem', field: p.hashField ?? 'sha512' }] : [],
        cachePath: sourceFolderPath(p),
        ...(p.line !== undefined ? { line: p.line } : {}),
        meta,
      };
    }),
  );

  warnings.push(...raceWarnings.sort());
  // (when every package took its URL from the earlier output, the missing service index did not matter)
  if (artifacts.some((a) => a.fetch.type === 'file' && a.fetch.urls.length === 0)) {
    for (const s of unknownOffline.sort()) warnings.push(`offline: the service index of feed ${s} is not in the download cache, so its packages have no URL here; run lock2nix without --offline once`);
  }

  // Runtime identifiers: RID-specific packages are only in the lockfile for the RIDs it was restored for.
  const rid = buildRid(ctx.env);
  if (plan.runtimes.length > 0 && !plan.runtimes.includes(rid)) {
    warnings.push(`${file} was restored for the runtime identifiers ${plan.runtimes.join(', ')} but not for ${rid} (the build platform): packages specific to ${rid} are missing; add ${rid} to <RuntimeIdentifiers> in the project and restore again`);
  }
  const packsWithoutHash = plan.packages.filter((p) => !p.contentHash);
  if (packsWithoutHash.length && plan.kind === 'assets' && packsWithoutHash.some((p) => p.role === 'library')) {
    warnings.push(`${packsWithoutHash.filter((p) => p.role === 'library').length} libraries in ${file} state no sha512; they are pinned by what the feed serves`);
  }

  const meta: NixData = {
    kind: plan.kind,
    targets: plan.targets,
    runtimes: plan.runtimes,
    projects: plan.projects,
    feeds: feeds.map((f) => f.source),
    ...(plan.projectName ? { projectName: plan.projectName } : {}),
  };
  return { artifacts, meta, warnings };
}
