// Resolve: every locked file to its URL on its source's Simple API (matched by file name and the lockfile's
// sha256, never guessed), git/url/file/directory sources, and the package graph the core builder selects
// from (groups, markers, extras, dependency edges).

import { hexToSri, Lock2nixError, LockfileError, storeName, type Artifact, type ConvertContext, type NixData, type ParsedLock, type Resolved, type StatedHash } from '@lock2nix/core';
import { eq } from '@renovatebot/pep440';
import { pipSetting, poetryCredentials, splitUserinfo } from './config.ts';
import { satisfiesConstraint, poetryToPep440 } from './constraint.ts';
import { PYPI_SIMPLE, PYPI_SIMPLE_ALIASES } from './defaults.ts';
import { and, markerData, MarkerError, parseMarker, TRUE, type Marker } from './markers.ts';
import { normalizeName, parseDistFile } from './names.ts';
import { readPyproject, type Pyproject, type RootDependency } from './pyproject.ts';
import type { DependencySpec, LockedFile, LockedPackage, PoetryLock } from './schema.ts';
import { fetchProjectPage, type IndexFile } from './simple.ts';
import { buildIndexFor } from './buildsystem.ts';
import { contentHashes } from './contenthash.ts';

/** The unique id of a locked package in the generated meta: `name@version`, plus the source when needed. */
export function packageIds(packages: LockedPackage[]): Map<LockedPackage, string> {
  const ids = new Map<LockedPackage, string>();
  const count = new Map<string, number>();
  for (const p of packages) count.set(`${p.normName}@${p.version}`, (count.get(`${p.normName}@${p.version}`) ?? 0) + 1);
  for (const p of packages) {
    const base = `${p.normName}@${p.version}`;
    ids.set(p, count.get(base)! > 1 && p.source ? `${base}+${p.source.type}:${p.source.reference ?? p.source.url}` : base);
  }
  return ids;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function isPypi(url: string): boolean {
  const u = url.endsWith('/') ? url : `${url}/`;
  return u === PYPI_SIMPLE || PYPI_SIMPLE_ALIASES.some((a) => (a.endsWith('/') ? a : `${a}/`) === u);
}

function pythonMarker(constraint: string): Marker {
  const alts = poetryToPep440(constraint);
  if (alts.some((a) => a === '')) return TRUE;
  const any: Marker[] = alts.map((spec) => ({
    all: spec.split(',').map((c) => {
      const m = /^(===|==|!=|<=|>=|~=|<|>)?\s*(.+)$/.exec(c.trim())!;
      return { cmp: m[1] ?? '==', l: { var: 'python_full_version' }, r: { lit: m[2]! } };
    }),
  }));
  return any.length === 1 ? any[0]! : { any };
}

function edgeMarker(spec: DependencySpec): Marker {
  let m = spec.markers ? parseMarker(spec.markers) : TRUE;
  if (spec.python && spec.python.trim() !== '*') m = and(m, pythonMarker(spec.python));
  return m;
}

export interface IndexPlan {
  /** index base URL (credentials removed) */
  index: string;
  /** source name for messages and credentials */
  sourceName: string;
}

export async function resolve(lock: ParsedLock<PoetryLock>, ctx: ConvertContext): Promise<Resolved> {
  const file = lock.file;
  const L = lock.native;
  const warnings: string[] = [...L.notes];
  const pyproject = await readPyproject(ctx.projectDir).catch((e: unknown) => {
    warnings.push(`pyproject.toml next to the lockfile could not be read: ${(e as Error).message}`);
    return undefined;
  });

  // Where packages without [package.source] come from: PyPI, or the index pip is configured with.
  let pipIndex = await pipSetting('index-url', ctx.env);
  if (pipIndex !== undefined && !/^https?:\/\//i.test(pipIndex)) {
    warnings.push(`pip's index-url is not an http(s) URL; using PyPI for packages without a source`);
    pipIndex = undefined;
  }
  const pypi = splitUserinfo(pipIndex ?? PYPI_SIMPLE);
  if (pypi.headers) ctx.prefetcher.authorize(new URL(pypi.url).origin + '/', pypi.headers);
  // credentials written into pip's index-url / extra-index-url also serve Poetry sources on the same host
  const pipCreds = new Map<string, Record<string, string>>();
  for (const u of [pipIndex ?? '', ...((await pipSetting('extra-index-url', ctx.env)) ?? '').split(/\s+/)]) {
    const c = splitUserinfo(u);
    if (c.headers && originOf(c.url)) pipCreds.set(originOf(c.url), c.headers);
  }
  const authorized = new Set<string>();
  const planFor = async (p: LockedPackage): Promise<IndexPlan> => {
    if (!p.source) return { index: pypi.url, sourceName: 'PyPI' };
    const clean = splitUserinfo(p.source.url);
    if (!/^https?:\/\/[^/]/i.test(clean.url)) throw new LockfileError(file, p.line, `${p.name} ${p.version}: source url ${JSON.stringify(clean.url)} is not an http(s) index URL`);
    const name = p.source.reference ?? clean.url;
    const index = isPypi(clean.url) && pipIndex ? pypi.url : clean.url;
    if (!authorized.has(index)) {
      authorized.add(index);
      const creds = clean.headers ?? (p.source.reference ? await poetryCredentials(p.source.reference, ctx.env) : undefined) ?? pipCreds.get(originOf(index));
      if (creds) ctx.prefetcher.authorize(new URL(index).origin + '/', creds);
    }
    return { index, sourceName: name };
  };

  const ids = packageIds(L.packages);
  const artifacts: Artifact[] = [];
  const packagesMeta: Record<string, NixData> = {};
  // index page look-ups: once per (index, project)
  const pages = new Map<string, Promise<{ url: string; files: IndexFile[] } | null>>();
  const missing: string[] = [];

  const byName = new Map<string, LockedPackage[]>();
  for (const p of L.packages) byName.set(p.normName, [...(byName.get(p.normName) ?? []), p]);

  const edgesOf = (deps: { name: string; spec: DependencySpec; marker?: Marker }[], where: LockedPackage | undefined): NixData[] =>
    deps.map((d) => {
      const norm = normalizeName(d.name);
      const candidates = byName.get(norm) ?? [];
      let targets = candidates.filter((c) => !d.spec.version || satisfiesConstraint(c.version, d.spec.version));
      if (targets.length === 0) targets = candidates;
      let marker: Marker;
      try {
        marker = d.marker ?? edgeMarker(d.spec);
      } catch (e) {
        if (e instanceof MarkerError) throw new LockfileError(where ? file : (pyproject?.file ?? file), where?.line, `${where ? `${where.name} ${where.version}: ` : ''}dependency ${d.name}: ${e.message}`);
        throw e;
      }
      return {
        name: norm,
        targets: targets.map((t) => ids.get(t)!),
        marker: markerData(marker),
        extras: d.spec.extras.map(normalizeName).sort(),
        optional: d.spec.optional,
      };
    });

  // ask the index for every project page at once (the prefetcher bounds concurrency); awaited in order below
  const plans = new Map<LockedPackage, IndexPlan>();
  for (const p of L.packages) {
    if (p.source && p.source.type !== 'legacy') continue;
    const plan = await planFor(p);
    plans.set(p, plan);
    const pageKey = `${plan.index}\0${p.normName}`;
    if (!ctx.offline && p.files.length > 0 && !pages.has(pageKey)) {
      const pending = fetchProjectPage(ctx.prefetcher, plan.index, p.normName, `${p.name} ${p.version}`);
      pending.catch(() => undefined); // reported where it is awaited
      pages.set(pageKey, pending);
    }
  }

  for (const p of L.packages) {
    const id = ids.get(p)!;
    const label = `${p.name} ${p.version}`;
    const fileKeys: string[] = [];
    const pkgMeta: Record<string, NixData> = {
      name: p.normName,
      version: p.version,
      optional: p.optional,
      pythonVersions: p.pythonVersions,
    };
    if (p.category) pkgMeta.category = p.category;
    if (p.groups) pkgMeta.groups = [...p.groups].sort();
    try {
      if (typeof p.markers === 'string') pkgMeta.markers = markerData(parseMarker(p.markers));
      else if (p.markers) pkgMeta.markers = { groups: Object.fromEntries(Object.entries(p.markers).map(([g, m]) => [g, markerData(parseMarker(m))])) };
    } catch (e) {
      if (e instanceof MarkerError) throw new LockfileError(file, p.line, `${label}: ${e.message}`);
      throw e;
    }
    const deps = Object.entries(p.dependencies).flatMap(([name, specs]) => specs.map((spec) => ({ name, spec })));
    pkgMeta.dependencies = edgesOf(deps, p);
    pkgMeta.extras = Object.fromEntries(Object.entries(p.extras).map(([e, reqs]) => [normalizeName(e), [...new Set(reqs.map((r) => normalizeName(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(r)?.[1] ?? r)))].sort()]));

    const src = p.source;
    if (!src || src.type === 'legacy') {
      const plan = plans.get(p)!;
      pkgMeta.source = { type: 'index', index: plan.index, name: plan.sourceName };
      if (p.files.length === 0) {
        pkgMeta.broken = `${label} has no files in the lockfile (files = []); run \`poetry lock --regenerate\``;
        warnings.push(`${label}: the lockfile lists no files for it (files = []), so it cannot be installed; run \`poetry lock --regenerate\``);
      }
      let page: { url: string; files: IndexFile[] } | null | undefined;
      if (!ctx.offline && p.files.length > 0) {
        page = await pages.get(`${plan.index}\0${p.normName}`)!;
        if (page === null) {
          missing.push(`${label}: the index ${plan.index} (${plan.sourceName}) has no project ${p.normName}`);
          continue;
        }
      }
      for (const f of p.files) {
        const key = f.file;
        fileKeys.push(key);
        let url: string | undefined;
        if (page) {
          const hit = matchFile(page.files, f);
          if (!hit) {
            missing.push(`${label}: ${f.file} is not on ${page.url} any more (deleted, or the lock was made against another index)`);
            continue;
          }
          if (hit.yanked) {
            missing.push(`${label}: ${f.file} was yanked from ${page.url}${typeof hit.yanked === 'string' ? ` (${hit.yanked})` : ''}`);
            continue;
          }
          if (f.algo === 'sha256' && hit.sha256 && hit.sha256 !== f.hex) {
            missing.push(`${label}: ${f.file}: the index states sha256 ${hit.sha256}, the lockfile ${f.hex}`);
            continue;
          }
          url = hit.url;
        } else if (ctx.offline) {
          url = earlierUrl(ctx, id, plan, f);
        }
        artifacts.push(fileArtifact(p, id, f, key, url ? [url] : [], url !== undefined, plan));
      }
    } else if (src.type === 'url') {
      pkgMeta.source = { type: 'url', url: splitUserinfo(src.url).url };
      const f = p.files[0];
      const name = f?.file ?? decodeURIComponent(new URL(src.url).pathname.split('/').pop() || `${p.normName}-${p.version}`);
      const key = name;
      fileKeys.push(key);
      const lf: LockedFile = f ?? { file: name, algo: 'sha256', hex: '' };
      artifacts.push(fileArtifact(p, id, lf, key, [splitUserinfo(src.url).url], f !== undefined));
    } else if (src.type === 'git') {
      const rev = src.resolvedReference!;
      const key = `${id}:git`;
      fileKeys.push(key);
      pkgMeta.source = { type: 'git', url: src.url, rev, ...(src.reference ? { reference: src.reference } : {}), ...(src.subdirectory ? { subdirectory: src.subdirectory } : {}) };
      artifacts.push({
        key,
        name: p.name,
        version: p.version,
        source: { kind: 'git', url: src.url, rev, ...(src.reference ? { ref: src.reference } : {}) },
        fetch: { type: 'git', url: src.url, rev, submodules: true, name: storeName(`${p.normName}-${rev.slice(0, 12)}-source`) },
        hashes: [],
        cachePath: `git/${p.normName}-${rev}`,
        ...(p.line !== undefined ? { line: p.line } : {}),
        meta: { package: id, kind: 'git', ...(src.subdirectory ? { subdirectory: src.subdirectory } : {}) },
      });
    } else {
      // file and directory sources are local to the project
      const key = `${id}:${src.type}`;
      fileKeys.push(key);
      pkgMeta.source = { type: src.type, path: src.url };
      artifacts.push({
        key,
        name: p.name,
        version: p.version,
        source: { kind: 'path', path: src.url },
        fetch: { type: 'none', reason: `local ${src.type} ${src.url} (relative to the lockfile's folder)` },
        hashes: p.files.map((f) => statedHash(f)),
        cachePath: `local/${p.normName}`,
        ...(p.line !== undefined ? { line: p.line } : {}),
        meta: { package: id, kind: src.type, path: src.url, ...(p.files[0] ? { file: p.files[0].file, hash: `${p.files[0].algo}:${p.files[0].hex}` } : {}) },
      });
    }
    pkgMeta.files = fileKeys;
    packagesMeta[id] = pkgMeta;
  }
  if (missing.length) {
    throw new Lock2nixError(`${file}: ${missing.length} locked file${missing.length > 1 ? 's' : ''} cannot be found on the index:\n  ${missing.sort().join('\n  ')}`);
  }

  const meta: Record<string, NixData> = {
    lockVersion: L.lockVersion,
    packages: packagesMeta,
    extras: Object.fromEntries(Object.entries(L.extras).map(([e, names]) => [normalizeName(e), names.map(normalizeName).sort()])),
  };
  if (L.pythonVersions) meta.pythonVersions = L.pythonVersions;
  if (pyproject) {
    meta.roots = rootsMeta(pyproject, edgesOf);
    if (L.contentHash && !contentHashes(pyproject.doc).includes(L.contentHash)) {
      warnings.push('poetry.lock is not fresh: pyproject.toml changed since it was locked (metadata.content-hash differs); run `poetry lock` so that the lock and the roots lock2nix reads agree');
    }
  }
  else if (!L.packages.some((p) => p.groups)) {
    warnings.push('no pyproject.toml next to the lockfile: this lock records no groups (lock-version < 2.1), so the builder cannot tell which packages to install; lock with Poetry 2 (lock-version 2.1) or keep pyproject.toml beside poetry.lock');
  }
  const result: Resolved = { artifacts, meta, warnings };
  // build requirements of git sources come from the project's own index: its primary source, else PyPI's
  const primary = pyproject?.sources.find((s) => (s.priority ?? 'primary') === 'primary' || s.priority === 'default');
  buildIndexFor.set(result, primary ? splitUserinfo(primary.url).url : pypi.url);
  return result;
}

function rootsMeta(py: Pyproject, edgesOf: (deps: RootDependency[], where: undefined) => NixData[]): NixData {
  const groups: Record<string, NixData> = {};
  for (const [g, deps] of Object.entries(py.groups)) groups[g] = edgesOf(deps, undefined);
  const extras: Record<string, NixData> = {};
  for (const [e, deps] of Object.entries(py.extras)) extras[normalizeName(e)] = edgesOf(deps, undefined);
  return { groups, extras };
}

/**
 * Offline: the URL an earlier run's output gave this index file. Taken only from the entry of the same file
 * name, package and version, from the same index, whose pin is the lockfile's sha256 for it: the pin stays the
 * lockfile's own hash (Nix checks the bytes at fetch time), the URL only says where the index serves them.
 */
function earlierUrl(ctx: ConvertContext, id: string, plan: IndexPlan, f: LockedFile): string | undefined {
  if (f.algo !== 'sha256' || !f.hex) return undefined;
  const e = ctx.earlier?.(f.file);
  if (!e || e.fetch.type !== 'file' || e.meta.file !== f.file || e.meta.package !== id) return undefined;
  const sri = hexToSri('sha256', f.hex);
  if (e.hash !== sri || e.meta.hash !== `sha256:${f.hex}` || e.source.url !== plan.index) return undefined;
  const urls = e.fetch.urls;
  if (!Array.isArray(urls) || urls.length !== 1 || typeof urls[0] !== 'string' || !/^https?:\/\/[^/]/i.test(urls[0])) return undefined;
  return urls[0];
}

function statedHash(f: LockedFile): StatedHash {
  return { algo: f.algo, hex: f.hex, meaning: 'file', field: 'files.hash' };
}

/**
 * An index file for a locked file: the same name (exactly, or the same normalised name, version and tags),
 * or failing that, the same sha256 (a hash match is proof of identity whatever the name).
 */
export function matchFile(files: IndexFile[], f: LockedFile): IndexFile | undefined {
  const exact = files.find((x) => x.filename === f.file);
  if (exact) return exact;
  const want = parseDistFile(f.file);
  if (want) {
    const same = files.find((x) => {
      const d = parseDistFile(x.filename);
      if (!d || d.kind !== want.kind || normalizeName(d.name) !== normalizeName(want.name)) return false;
      let sameVersion = d.version === want.version;
      try { sameVersion ||= eq(d.version, want.version); } catch { /* not PEP 440 */ }
      return sameVersion && JSON.stringify(d.tags ?? null) === JSON.stringify(want.tags ?? null) && (!x.sha256 || f.algo !== 'sha256' || x.sha256 === f.hex);
    });
    if (same) return same;
  }
  if (f.algo === 'sha256') return files.find((x) => x.sha256 === f.hex);
  return undefined;
}

/**
 * One wheel or sdist. Offline (no URL known) it carries no stated hash, so core leaves it unpinned and the
 * output throws for it; the lockfile's hash still goes into meta for pip's --require-hashes.
 */
function fileArtifact(p: LockedPackage, id: string, f: LockedFile, key: string, urls: string[], stateHash: boolean, plan?: IndexPlan): Artifact {
  const d = parseDistFile(f.file);
  const meta: Record<string, NixData> = {
    package: id,
    file: f.file,
    kind: d?.kind ?? 'other',
  };
  if (f.hex) meta.hash = `${f.algo}:${f.hex}`;
  if (d?.tags) meta.tags = { python: d.tags.python, abi: d.tags.abi, platform: d.tags.platform };
  return {
    key,
    name: p.name,
    version: p.version,
    source: p.source?.type === 'url' ? { kind: 'url', url: urls[0]! } : { kind: p.source ? 'alt-registry' : 'registry', ...(plan ? { url: plan.index, name: plan.sourceName } : {}) },
    fetch: { type: 'file', urls, name: storeName(f.file) },
    hashes: stateHash && f.hex ? [statedHash(f)] : [],
    cachePath: f.file,
    ...(p.line !== undefined ? { line: p.line } : {}),
    meta,
  };
}
