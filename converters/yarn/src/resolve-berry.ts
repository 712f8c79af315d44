// Berry entries to artifacts. npm and http(s) tarballs are fetched as they are (their SRI is what Nix pins);
// the lockfile's `checksum` is the sha512 of Yarn's own cache zip, which lock2nix rebuilds from the tarball
// (templates/lib/yarn-berry-zip.mjs) to verify it, and which the core builder rebuilds the same way. `patch:` and `file:`
// packages are built by Yarn itself at install from the cache and the project; workspaces, `link:` and
// `portal:` need nothing; `exec:` is refused.

import { LockfileError, safeFileName, storeName, type Artifact, type ConvertContext, type NixData } from '@lock2nix/core';
import { GITHUB } from './defaults.ts';
import { cloneUrl, githubRepo, isCommit } from './git.ts';
import { NEWEST_KNOWN_VERSION } from './parse-berry.ts';
import type { BerryEntry, BerryLock } from './schema.ts';
import { parseIntegrity } from './integrity.ts';
import { builderLibzipFor, LIBZIP_NAME, libzipFor, type LibzipBuild } from './libzip.ts';
import { authHeaders, readBerrySettings, type BerrySettings } from './yarnrc.ts';

type StructUtils = typeof import('@yarnpkg/core').structUtils;
type Locator = ReturnType<StructUtils['parseLocator']>;

export interface ZipMeta {
  prefix: string;
  level: number | 'mixed';
  /** the cache key the zip is made for: decides the libzip build */
  cacheKey: string;
}

/** `10c0` -> 0, `10` / `8` -> 'mixed' (Yarn's default before 4). */
export function compressionOf(cacheKey: string): number | 'mixed' {
  const m = /c(\d)$/.exec(cacheKey);
  return m ? Number(m[1]) : 'mixed';
}

export function splitChecksum(checksum: string): { cacheKey: string | undefined; hex: string } {
  const i = checksum.lastIndexOf('/');
  return i < 0 ? { cacheKey: undefined, hex: checksum } : { cacheKey: checksum.slice(0, i), hex: checksum.slice(i + 1) };
}

const LOCAL = new Set(['workspace:', 'link:', 'portal:', 'file:']);
const GIT_PROTOCOLS = new Set(['git:', 'git+ssh:', 'git+https:', 'git+http:', 'git+file:', 'ssh:', 'github:', 'gitlab:', 'bitbucket:']);

function gitCommit(selector: string): string | undefined {
  for (const part of selector.split('&')) {
    const [k, v] = part.split('=');
    if (k === 'commit' && v !== undefined) return v;
  }
  return isCommit(selector) ? selector : undefined;
}

function registryFor(settings: BerrySettings, scope: string | null): string {
  return (scope !== null && settings.scopes[scope]) || settings.registry;
}

export async function resolveBerry(file: string, lock: BerryLock, ctx: ConvertContext): Promise<{ artifacts: Artifact[]; meta: NixData; warnings: string[] }> {
  const { structUtils, semverUtils } = await import('@yarnpkg/core');
  void semverUtils;
  const settings = readBerrySettings(ctx.projectDir, ctx.env);
  const githubBase = (ctx.env.LOCK2NIX_YARN_GITHUB_URL ?? GITHUB).replace(/\/+$/, '');
  for (const [reg, auth] of settings.auth) if (reg.includes('://')) ctx.prefetcher.authorize(`${reg}/`, authHeaders(auth));
  const artifacts: Artifact[] = [];
  const warnings: string[] = [];
  if (lock.version > NEWEST_KNOWN_VERSION) warnings.push(`__metadata.version ${lock.version} is newer than any lock2nix knows (${NEWEST_KNOWN_VERSION}); read as that version`);
  const resolutions = new Set(lock.entries.map((e) => e.resolution));
  const bases = new Map<string, BerryEntry>();
  let oldChecksums = 0;

  const parse = (e: BerryEntry, s: string): Locator => {
    try {
      return structUtils.parseLocator(s, true);
    } catch (err) {
      throw new LockfileError(file, e.line, `cannot read the resolution ${JSON.stringify(s)}: ${(err as Error).message}`);
    }
  };

  const tarball = (e: BerryEntry, loc: Locator, url: string, source: Artifact['source']): Artifact => {
    const slug = structUtils.slugifyLocator(loc);
    const hashes: Artifact['hashes'] = [];
    let cachePath: string;
    let level = compressionOf(lock.cacheKey);
    if (e.checksum !== undefined) {
      const { cacheKey, hex } = splitChecksum(e.checksum);
      if (!/^[0-9a-f]{128}$/.test(hex)) throw new LockfileError(file, e.line, `checksum ${JSON.stringify(e.checksum)} is not a sha512 hex digest`);
      if (cacheKey !== undefined) level = compressionOf(cacheKey);
      // Yarn 4 (cacheKey 10...), Yarn 3 (8) and Yarn 2.4 (7) zips are rebuilt byte for byte; those of
      // Yarn 2.0 to 2.3 (6 and older) could not be compared: not verified.
      if (libzipFor(cacheKey ?? lock.cacheKey) !== undefined) hashes.push({ algo: 'sha512', hex, meaning: 'ecosystem', field: 'checksum' });
      else oldChecksums++;
      cachePath = `${slug}-${hex.slice(0, 10)}.zip`;
    } else {
      cachePath = `${slug}-${lock.cacheKey}.zip`;
      if (e.conditions === undefined) warnings.push(`${structUtils.stringifyLocator(loc)}: the lockfile states no checksum; pinned by download, not verified`);
    }
    const zip: ZipMeta = { prefix: structUtils.getIdentVendorPath(loc), level, cacheKey: e.checksum !== undefined ? (splitChecksum(e.checksum).cacheKey ?? lock.cacheKey) : lock.cacheKey };
    return {
      key: e.resolution,
      name: structUtils.stringifyIdent(loc),
      version: e.version ?? '',
      source,
      fetch: { type: 'file', urls: [url], name: storeName(url.replace(/[?#].*$/, '').split('/').pop() ?? 'package.tgz') },
      hashes,
      cachePath,
      line: e.line,
      // Yarn names cache files by checksum when the cache is a project cache with a global mirror, and by
      // cache key when it is the global cache itself (enableGlobalCache): the builder provides both names
      meta: {
        zip: { prefix: zip.prefix, level: zip.level, cacheKey: zip.cacheKey },
        ...(e.checksum !== undefined ? { alias: safeFileName(`${slug}-${splitChecksum(e.checksum).cacheKey ?? lock.cacheKey}.zip`, 'cache name') } : {}),
        ...(e.conditions !== undefined ? { conditions: e.conditions } : {}),
      },
    };
  };

  for (const e of lock.entries) {
    const loc = parse(e, e.resolution);
    const range = structUtils.parseRange(loc.reference);
    const protocol = range.protocol ?? '';
    const ident = structUtils.stringifyIdent(loc);
    if (protocol === 'exec:') {
      throw new LockfileError(file, e.line, `${ident} uses the exec: protocol, which runs a script to produce the package; lock2nix refuses it (the result cannot be pinned). Replace it with a tarball, git or file: dependency.`);
    }
    if (protocol === 'npm:') {
      const version = range.selector;
      const archive = range.params?.__archiveUrl;
      const url = typeof archive === 'string' ? archive : `${registryFor(settings, loc.scope)}/${ident}/-/${loc.name}-${version}.tgz`;
      artifacts.push(tarball(e, loc, url, { kind: 'registry', url: registryFor(settings, loc.scope) }));
      continue;
    }
    if (protocol === 'patch:') {
      const base = range.source;
      if (base && !resolutions.has(base) && !bases.has(base)) bases.set(base, e);
      artifacts.push({
        key: e.resolution,
        name: ident,
        version: e.version ?? '',
        source: { kind: 'path', ...(base ? { url: base } : {}) },
        fetch: { type: 'none', reason: `patched by Yarn at install from ${base ?? 'its base package'} (in the cache) and ${range.selector}` },
        hashes: [],
        cachePath: e.resolution,
        line: e.line,
      });
      continue;
    }
    if (LOCAL.has(protocol)) {
      artifacts.push({
        key: e.resolution,
        name: ident,
        version: e.version ?? '',
        source: { kind: 'path', path: range.source ?? range.selector },
        fetch: { type: 'none', reason: protocol === 'file:' ? 'packed by Yarn at install from the project' : `${protocol.slice(0, -1)} package, taken from the project` },
        hashes: [],
        cachePath: e.resolution,
        line: e.line,
      });
      continue;
    }
    const isGit = GIT_PROTOCOLS.has(protocol) || ((protocol === 'https:' || protocol === 'http:') && (/\.git$/.test(range.source ?? '') || /(^|&)commit=/.test(range.selector)));
    if (isGit) {
      const commit = gitCommit(range.selector);
      if (!isCommit(commit)) throw new LockfileError(file, e.line, `git dependency ${JSON.stringify(e.resolution)} is not locked to a full commit`);
      const repo = protocol === 'github:' ? `https://github.com/${range.source}.git` : `${protocol}${range.source ?? ''}`;
      // Yarn clones the repository, packs it (`yarn pack`) and keeps the zip of that tarball, with a checksum
      // and a cache name like any other package: lock2nix pins the checkout and rebuilds the same zip from it
      // (yarn-berry-zip.mjs checkoutToZip; refused in `verify` for packages whose pack runs scripts)
      if (range.selector.split('&').some((part) => /^(workspace|cwd)=/.test(part))) {
        throw new LockfileError(file, e.line, `${ident}: git dependencies on a workspace or a subfolder of a repository (${JSON.stringify(e.resolution)}) are not reproduced by lock2nix yet`);
      }
      const base = tarball({ ...e, conditions: e.conditions ?? '' }, loc, repo, { kind: 'git', url: repo, rev: commit });
      if (e.conditions === undefined && base.meta !== undefined) delete (base.meta as { conditions?: string }).conditions;
      if (e.checksum === undefined) warnings.push(`${structUtils.stringifyLocator(loc)}: the lockfile states no checksum; its zip is rebuilt from the pinned source, not verified`);
      // a github.com URL: Yarn's GitHub fetcher downloads GitHub's archive of the commit (which leaves out
      // `export-ignore` files) and packs that instead of a clone; pinned as that archive, unpacked
      const gh = githubRepo(loc.reference);
      const name = storeName(`${loc.name}-${commit.slice(0, 12)}-source`);
      artifacts.push({
        ...base,
        fetch: gh && gh.treeish === commit
          ? { type: 'archive', urls: [`${githubBase}/${gh.owner}/${gh.repo}/archive/${commit}.tar.gz`], name }
          : { type: 'git', url: cloneUrl(repo), rev: commit, submodules: false, name },
        meta: { ...(base.meta as Record<string, NixData>), zip: { ...((base.meta as unknown as { zip: Record<string, NixData> }).zip), from: 'checkout' } },
      });
      continue;
    }
    if (protocol === 'https:' || protocol === 'http:') {
      const url = loc.reference;
      artifacts.push(tarball(e, loc, url, { kind: 'url', url }));
      continue;
    }
    throw new LockfileError(file, e.line, `unsupported resolution ${JSON.stringify(e.resolution)} (protocol ${protocol || 'none'})`);
  }
  // a patch whose base package has no entry of its own: fetch the base too (Yarn needs it in the cache)
  for (const [base, e] of bases) {
    const loc = parse(e, base);
    const range = structUtils.parseRange(loc.reference);
    if (range.protocol !== 'npm:') continue;
    const ident = structUtils.stringifyIdent(loc);
    const url = `${registryFor(settings, loc.scope)}/${ident}/-/${loc.name}-${range.selector}.tgz`;
    artifacts.push(tarball({ ...e, resolution: base, checksum: undefined, conditions: '' } as BerryEntry, loc, url, { kind: 'registry', url: registryFor(settings, loc.scope) }));
  }
  if (oldChecksums > 0) {
    warnings.push(`${oldChecksums} checksums are of Yarn 2.0-2.3 cache zips (cacheKey ${lock.cacheKey || 'none'}), which lock2nix could not compare with its own (those Yarn versions are not on the npm registry; it reproduces Yarn 2.4's cacheKey 7 and later): the tarballs are pinned by download, those checksums are not verified, and the zips are built as Yarn 2.4 builds them, which Yarn rejects at install if they differ. Run \`yarn install\` with Yarn 2.4 or later to rewrite the lockfile.`);
  }
  // deflated zips need Yarn's libzip in the builder: one more pinned download per libzip build
  // (LOCK2NIX_YARN_LIBZIP_URL: the same package from elsewhere, pinned by download instead)
  const builds = new Map<string, LibzipBuild>();
  for (const a of artifacts) {
    const z = (a.meta as { zip?: ZipMeta } | undefined)?.zip;
    if (!z || z.level === 0) continue;
    const b = builderLibzipFor(z.cacheKey);
    if (!b) throw new LockfileError(file, a.line, `${a.name}: no known libzip build for cacheKey ${z.cacheKey}`);
    builds.set(b.version, b);
  }
  for (const b of [...builds.values()].sort((x, y) => (x.version < y.version ? -1 : 1))) {
    const override = ctx.env.LOCK2NIX_YARN_LIBZIP_URL;
    const url = override ?? `${settings.registry}/${LIBZIP_NAME}/-/libzip-${b.version}.tgz`;
    artifacts.push({
      key: `lock2nix-tool:${LIBZIP_NAME}@${b.version}`,
      name: LIBZIP_NAME,
      version: b.version,
      source: { kind: 'registry', url: settings.registry },
      fetch: { type: 'file', urls: [url], name: storeName(`yarnpkg-libzip-${b.version}.tgz`) },
      hashes: override ? [] : parseIntegrity(b.integrity)!.hashes.map((h) => ({ ...h, meaning: 'file' as const, field: 'lock2nix (pnpm-lock.yaml)' })),
      cachePath: `.lock2nix/yarnpkg-libzip-${b.version}.tgz`,
      meta: { tool: 'libzip', libzip: b.version },
    });
  }
  for (const a of artifacts) {
    const z = (a.meta as { zip?: ZipMeta } | undefined)?.zip;
    if (z && z.level !== 0) (a.meta as unknown as { zip: ZipMeta & { libzip?: string } }).zip.libzip = builderLibzipFor(z.cacheKey)!.version;
  }
  const meta: NixData = { flavour: 'berry', lockVersion: lock.version, cacheKey: lock.cacheKey };
  return { artifacts, meta, warnings };
}
