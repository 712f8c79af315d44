// Locked packages to artifacts: registry crates are single files pinned by the lockfile's checksum (the
// sha256 of the .crate), git crates are trees at the locked commit (pinned by prefetching). Path and
// workspace members are part of the project and produce nothing.

import { DEFAULT_USER_AGENT, Lock2nixError, LockfileError, storeName, type Artifact, type ConvertContext, type NixData, type ParsedLock, type Resolved } from '@lock2nix/core';
import { join, resolve as resolvePath } from 'node:path';
import { readCargoConfig, indexIdentity, type CargoConfig } from './config.ts';
import { cratesIoUrls } from './defaults.ts';
import { expandDl } from './dl.ts';
import { readRegistryConfig, type RegistryConfig } from './registry.ts';
import type { CargoLock, CargoSource, LockedPackage } from './schema.ts';
import { parseSource, sourceDir } from './source.ts';

/** The registry name the user's config gives an index, if any (for `[registries]` and tokens). */
function registryName(cfg: CargoConfig, protocol: 'sparse' | 'git', index: string): string | undefined {
  for (const [name, idx] of [...cfg.registries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const id = indexIdentity(idx);
    if (id.protocol === protocol && id.url === index) return name;
  }
  return undefined;
}

/** The `[source.*]` definition cargo matches a replaced source by. */
function sourceMeta(s: CargoSource, lockVersion: number): NixData {
  switch (s.kind) {
    case 'crates-io':
      return { type: 'crates-io' };
    case 'registry':
      return { type: 'registry', registry: s.protocol === 'sparse' ? `sparse+${s.index}` : s.index };
    case 'git': {
      const m: Record<string, NixData> = { type: 'git', git: s.url };
      if (s.ref.type !== 'default') m[s.ref.type] = s.ref.value;
      // v1 and v2 wrote `branch = "master"` as no query at all: replace both spellings
      else if (lockVersion <= 2) m.alsoBranch = 'master';
      return m;
    }
  }
}

export async function resolveCargo(lock: ParsedLock<CargoLock>, ctx: ConvertContext): Promise<Resolved> {
  const { file } = lock;
  const cfg = readCargoConfig(ctx.projectDir, ctx.env);
  const projectConfigs = new Set(['config.toml', 'config'].map((n) => join(resolvePath(ctx.projectDir), '.cargo', n)));
  const warnings: string[] = [];
  const sources = new Map<string, { source: CargoSource; dir: string }>();
  const pkgs: { p: LockedPackage; s: CargoSource; dir: string }[] = [];
  for (const p of lock.native.packages) {
    if (p.source === undefined) continue; // path or workspace member: part of the project
    const s = parseSource(p.source, lock.native.version);
    if (typeof s === 'string') throw new LockfileError(file, p.line, s);
    const dir = sourceDir(s);
    const known = sources.get(dir);
    // crates.io's two spellings share one folder; so do one repository's selectors at one commit
    if (known && known.source.id !== s.id && known.source.kind !== s.kind) {
      throw new LockfileError(file, p.line, `sources ${known.source.id} and ${s.id} would share the vendor folder ${dir}`);
    }
    if (!known) sources.set(dir, { source: s, dir });
    pkgs.push({ p, s, dir });
  }

  // registries: the dl template of every alternative registry (and of a crates.io mirror, if configured)
  const dls = new Map<string, RegistryConfig | undefined>();
  const registries: Record<string, string> = {};
  const readDl = async (key: string, protocol: 'sparse' | 'git', index: string, name: string | undefined, what: string): Promise<void> => {
    if (ctx.offline) {
      dls.set(key, undefined);
      warnings.push(`${what}: its download address is in its config.json, which --offline does not read; run lock2nix cargo without --offline`);
      return;
    }
    const token = name ? cfg.tokens.get(name) : undefined;
    const rc = await readRegistryConfig(protocol, index, token, ctx);
    dls.set(key, rc);
    if (rc.authRequired) warnings.push(`${what} requires authentication for downloads: Nix's fetchers need credentials for ${rc.dl.replace(/\{.*$/, '')} too (a netrc file)`);
  };
  const tasks: Promise<void>[] = [];
  for (const { source: s } of [...sources.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1))) {
    if (s.kind !== 'registry') continue;
    const name = registryName(cfg, s.protocol, s.index);
    // `registry = "name"` dependencies need the name offline too. One defined in the project's own
    // .cargo/config.toml travels with the source (and must not be defined twice: nixpkgs appends the vendor
    // config to the project's), so only names from elsewhere (user config, environment) are carried over.
    if (name && !projectConfigs.has(cfg.registryOrigin.get(name) ?? '')) registries[name] = s.protocol === 'sparse' ? `sparse+${s.index}` : s.index;
    tasks.push(readDl(s.id, s.protocol, s.index, name, `registry ${name ?? s.index}`));
  }
  const mirror = cfg.cratesIoReplacement;
  const usesCratesIo = [...sources.values()].some((x) => x.source.kind === 'crates-io');
  if (mirror && usesCratesIo) {
    const id = indexIdentity(mirror.index);
    tasks.push(
      (async () => {
        if (ctx.offline) {
          dls.set('crates-io', undefined);
          warnings.push(`crates.io is replaced by ${mirror.name} in your Cargo config; --offline cannot read its config.json, so crates.io's own download host is written`);
          return;
        }
        dls.set('crates-io', await readRegistryConfig(id.protocol, id.url, cfg.tokens.get(mirror.name), ctx));
      })(),
    );
  }
  await Promise.all(tasks);

  const artifacts: Artifact[] = [];
  const keys = new Set<string>();
  for (const { p, s, dir } of pkgs) {
    const key = `${dir}/${p.name}-${p.version}`;
    if (keys.has(key)) continue; // an unused patch entry that is also locked
    keys.add(key);
    const cachePath = key;
    const base = { key, name: p.name, version: p.version, cachePath, line: p.line };
    if (s.kind === 'git') {
      artifacts.push({
        ...base,
        source: { kind: 'git', url: s.url, rev: s.commit, ref: s.ref.type === 'default' ? 'default' : `${s.ref.type}=${s.ref.value}`, name: p.source! },
        fetch: { type: 'git', url: s.url, rev: s.commit, submodules: true, name: storeName(`${s.url.replace(/\/+$/, '').split('/').pop()?.replace(/\.git$/, '') || 'source'}-${s.commit.slice(0, 12)}`) },
        hashes: [],
        meta: { source: dir, checksum: null, ...(p.unused ? { unused: true } : {}) },
      });
      continue;
    }
    let urls: string[];
    if (s.kind === 'crates-io') {
      const m = dls.get('crates-io');
      urls = [...(m ? [expandDl(m.dl, p.name, p.version, p.checksum)] : []), ...cratesIoUrls(p.name, p.version)];
    } else {
      const r = dls.get(s.id);
      if (r && r.dl.includes('{sha256-checksum}') && !p.checksum) throw new LockfileError(file, p.line, `${p.name} ${p.version}: the registry's dl template needs the checksum, which the lockfile does not give`);
      urls = r ? [expandDl(r.dl, p.name, p.version, p.checksum)] : [];
    }
    artifacts.push({
      ...base,
      source: s.kind === 'crates-io' ? { kind: 'registry', url: s.id.replace(/^[a-z]+\+/, ''), name: p.source! } : { kind: 'alt-registry', url: s.index, name: p.source! },
      fetch: { type: 'file', urls, name: storeName(`crate-${p.name}-${p.version}.tar.gz`) },
      hashes: p.checksum ? [{ algo: 'sha256', hex: p.checksum, meaning: 'file', field: lock.native.version === 1 ? '[metadata] checksum' : 'checksum' }] : [],
      meta: { source: dir, checksum: p.checksum ?? null, ...(p.unused ? { unused: true } : {}) },
    });
  }
  if (artifacts.some((a) => a.fetch.type === 'file' && a.fetch.urls.length === 0) && !ctx.offline) {
    throw new Lock2nixError('internal: a registry crate without a download address');
  }

  const srcMeta: Record<string, NixData> = {};
  for (const { source, dir } of sources.values()) srcMeta[dir] = sourceMeta(source, lock.native.version);
  return {
    artifacts,
    meta: {
      lockVersion: lock.native.version,
      userAgent: DEFAULT_USER_AGENT,
      sources: srcMeta,
      registries,
    },
    warnings: [...new Set(warnings)].sort(),
  };
}
