// Build backends for sdists and git sources. No lockfile records what an sdist needs to build, so after
// pinning, lock2nix opens each sdist (and each git tree), reads [build-system].requires (pip's default
// `setuptools>=40.8.0` when there is none) and pins, from the same index, the newest pure-Python wheel of
// each requirement and of their run-time requirements. The core builder adds them to the wheelhouse of
// every target that builds that sdist: `pip install --no-index` then finds its backend offline.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hexToSri, parseToml, storeName, type ConvertContext, type NixData, type PinnedArtifact, type Resolved, type TomlTable } from '@lock2nix/core';
import { maxSatisfying, valid } from '@renovatebot/pep440';
import { readTar, readZip } from './archive.ts';
import { parseRequirement, type Marker } from './markers.ts';
import { normalizeName, parseDistFile } from './names.ts';
import { fetchProjectPage, type IndexFile } from './simple.ts';

export const PIP_DEFAULT_BUILD_REQUIRES = ['setuptools>=40.8.0'];

/** What resolve tells finish: the index for build requirements of git sources (the project's main index). */
export const buildIndexFor = new WeakMap<Resolved, string>();

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

export function buildRequiresOf(pyprojectText: string | undefined, where: string): string[] {
  if (pyprojectText === undefined) return PIP_DEFAULT_BUILD_REQUIRES;
  const doc = parseToml(where, pyprojectText);
  const bs = doc['build-system'];
  if (!isTable(bs) || !Array.isArray(bs.requires)) return PIP_DEFAULT_BUILD_REQUIRES;
  return bs.requires.filter((x): x is string => typeof x === 'string');
}

function mentionsExtra(m: Marker): boolean {
  if ('all' in m) return m.all.some(mentionsExtra);
  if ('any' in m) return m.any.some(mentionsExtra);
  return ('var' in m.l && m.l.var === 'extra') || ('var' in m.r && m.r.var === 'extra');
}

function isPureWheel(f: string): boolean {
  const d = parseDistFile(f);
  return d?.kind === 'wheel' && d.tags!.abi.includes('none') && d.tags!.platform.includes('any') && d.tags!.python.some((t) => t === 'py3' || /^py3\d+$/.test(t));
}

/** A CPython wheel for Linux or macOS (what a Nix target can use). */
function isNixTargetWheel(f: string): boolean {
  const d = parseDistFile(f);
  if (d?.kind !== 'wheel') return false;
  const t = d.tags!;
  return t.python.some((p) => /^(py3\d*|cp3\d+)$/.test(p)) && t.platform.some((p) => p === 'any' || /^(manylinux|musllinux|linux_|macosx_)/.test(p));
}

export async function buildSystemFinish(pinned: PinnedArtifact[], resolved: Resolved, ctx: ConvertContext): Promise<{ artifacts: PinnedArtifact[]; meta?: NixData }> {
  const meta = (resolved.meta ?? {}) as Record<string, NixData>;
  // a url source locked without a hash: pip's --require-hashes needs the one verified by the download
  pinned = pinned.map((a) => {
    const m = a.meta as Record<string, NixData> | undefined;
    if (a.fetch.type !== 'file' || !m || m.hash !== undefined || a.pin?.by !== 'download' || !a.pin.hash.startsWith('sha256-')) return a;
    return { ...a, meta: { ...m, hash: `sha256:${Buffer.from(a.pin.hash.slice(7), 'base64').toString('hex')}` } };
  });
  const kindOf = (a: PinnedArtifact) => (a.meta as { kind?: string } | undefined)?.kind;
  const builds = pinned.filter((a) => (a.fetch.type === 'file' && kindOf(a) === 'sdist') || a.fetch.type === 'git' || (a.fetch.type === 'none' && kindOf(a) === 'directory'));
  if (builds.length === 0) return { artifacts: pinned, meta };
  if (ctx.offline) {
    resolved.warnings?.push(`--offline: the build requirements of ${builds.length} sdist/git source${builds.length > 1 ? 's' : ''} were not pinned; building them needs their backends in the wheelhouse (run without --offline)`);
    return { artifacts: pinned, meta };
  }
  const out = [...pinned];
  const byPath = new Map(out.map((a) => [a.cachePath, a]));
  const pages = new Map<string, Promise<{ url: string; files: IndexFile[] } | null>>();
  const wheels = new Map<string, Promise<{ keys: string[]; requires: string[] } | undefined>>();
  const buildRequires: Record<string, NixData> = {};
  const defaultIndex = buildIndexFor.get(resolved);

  const page = (index: string, name: string, who: string) => {
    const k = `${index}\0${name}`;
    if (!pages.has(k)) pages.set(k, fetchProjectPage(ctx.prefetcher, index, name, who));
    return pages.get(k)!;
  };

  /** pin one index file by download (or take the locked artifact of the same name); its METADATA requirements */
  const pinIndexFile = async (f: IndexFile, index: string, reqName: string, version: string, who: string): Promise<{ key: string; requires: string[] }> => {
    const existing = byPath.get(f.filename);
    let path: string;
    let key: string;
    if (existing) {
      key = existing.key;
      const stated = existing.hashes.find((h) => h.meaning === 'file' && h.algo === 'sha256');
      const got = await ctx.prefetcher.cached({ urls: existing.fetch.type === 'file' ? existing.fetch.urls : [], pkg: who, ...(stated ? { expect: { algo: 'sha256' as const, hex: stated.hex } } : {}) });
      if (!got) return { key, requires: [] };
      path = got.path;
    } else {
      const got = await ctx.prefetcher.file({ urls: [f.url], pkg: `${reqName} ${version} (build requirement of ${who})`, ...(f.sha256 ? { expect: { algo: 'sha256' as const, hex: f.sha256 } } : {}) });
      path = got.path;
      key = f.filename;
      const tags = parseDistFile(f.filename)!.tags!;
      const art: PinnedArtifact = {
        key,
        name: reqName,
        version,
        source: { kind: 'registry', url: index },
        fetch: { type: 'file', urls: [f.url], name: storeName(f.filename) },
        hashes: [{ algo: 'sha256', hex: got.digests.sha256, meaning: 'file', field: 'index' }],
        cachePath: f.filename,
        meta: { package: `${normalizeName(reqName)}@${version}`, file: f.filename, kind: 'wheel', buildRequirement: true, hash: `sha256:${got.digests.sha256}`, tags: { python: tags.python, abi: tags.abi, platform: tags.platform } },
        pin: { hash: hexToSri('sha256', got.digests.sha256), by: 'download' },
      };
      out.push(art);
      byPath.set(f.filename, art);
    }
    const md = readZip(await readFile(path), (p) => /^[^/]+\.dist-info\/METADATA$/.test(p));
    const text = [...md.values()][0] ?? '';
    const requires = [...text.matchAll(/^Requires-Dist:\s*(.+)$/gm)].map((m) => m[1]!.trim()).filter((r) => {
      try {
        return !mentionsExtra(parseRequirement(r).marker);
      } catch {
        return false;
      }
    });
    return { key, requires };
  };

  /**
   * The newest version satisfying a requirement that has a pure-Python wheel, else the newest with wheels
   * for Linux or macOS (all of those are pinned; the builder keeps the ones that fit its target).
   */
  const pickWheel = (index: string, reqText: string, who: string) => {
    const req = parseRequirement(reqText);
    const name = normalizeName(req.name);
    const k = `${index}\0${name}\0${req.specifier}`;
    if (!wheels.has(k)) {
      wheels.set(k, (async () => {
        const pg = await page(index, name, `${who}: build requirement ${reqText}`);
        if (!pg) {
          resolved.warnings?.push(`${who}: build requirement ${reqText} is not on ${index}`);
          return undefined;
        }
        const newest = (files: IndexFile[]) => {
          const versions = [...new Set(files.map((f) => parseDistFile(f.filename)!.version))].filter((v) => valid(v) && !/[a-z]/i.test(v.replace(/\.post\d+$/, '')));
          return maxSatisfying(versions, req.specifier || '>=0') ?? undefined;
        };
        const byName = (a: IndexFile, b: IndexFile) => (a.filename < b.filename ? -1 : 1);
        const pure = pg.files.filter((f) => !f.yanked && isPureWheel(f.filename));
        const bestPure = newest(pure);
        if (bestPure) {
          const f = pure.filter((c) => parseDistFile(c.filename)!.version === bestPure).sort(byName)[0]!;
          const one = await pinIndexFile(f, index, req.name, bestPure, who);
          return { keys: [one.key], requires: one.requires };
        }
        const platform = pg.files.filter((f) => !f.yanked && isNixTargetWheel(f.filename));
        const best = newest(platform);
        if (!best) {
          resolved.warnings?.push(`${who}: no wheel on ${index} for Linux or macOS satisfies the build requirement ${reqText}`);
          return undefined;
        }
        const chosen = platform.filter((c) => parseDistFile(c.filename)!.version === best).sort(byName);
        const pinnedAll = [];
        for (const f of chosen) pinnedAll.push(await pinIndexFile(f, index, req.name, best, who));
        return { keys: pinnedAll.map((x) => x.key), requires: pinnedAll[0]!.requires };
      })());
    }
    return wheels.get(k)!;
  };

  const closure = async (index: string, reqs: string[], who: string): Promise<string[]> => {
    const keys = new Set<string>();
    const seen = new Set<string>();
    let todo = reqs;
    while (todo.length) {
      const next: string[] = [];
      for (const r of todo) {
        if (seen.has(r)) continue;
        seen.add(r);
        const w = await pickWheel(index, r, who);
        if (!w) continue;
        for (const key of w.keys) keys.add(key);
        next.push(...w.requires);
      }
      todo = next;
    }
    return [...keys].sort();
  };

  for (const a of builds.sort((x, y) => (x.key < y.key ? -1 : 1))) {
    const who = `${a.name} ${a.version}`;
    let pyproject: string | undefined;
    let index: string | undefined;
    if (a.fetch.type === 'none') {
      // a local directory: read now, relative to the lockfile's folder
      pyproject = await readFile(join(ctx.projectDir, (a.meta as { path: string }).path, 'pyproject.toml'), 'utf8').catch(() => undefined);
      index = defaultIndex;
    } else if (a.fetch.type === 'git') {
      if (!a.pin) continue;
      const tree = await ctx.prefetcher.git({ url: a.fetch.url, rev: a.fetch.rev, submodules: a.fetch.submodules, pkg: who });
      const sub = (a.meta as { subdirectory?: string }).subdirectory;
      pyproject = await readFile(join(tree.dir, sub ?? '', 'pyproject.toml'), 'utf8').catch(() => undefined);
      index = defaultIndex;
    } else {
      if (!a.pin || a.fetch.type !== 'file') continue;
      const stated = a.hashes.find((h) => h.meaning === 'file' && h.algo === 'sha256');
      const req = { urls: a.fetch.urls, pkg: who, ...(stated ? { expect: { algo: 'sha256' as const, hex: stated.hex } } : {}) };
      const f = (await ctx.prefetcher.cached(req)) ?? (await ctx.prefetcher.file(req));
      const bytes = await readFile(f.path);
      const isTopPyproject = (p: string) => /^[^/]+\/pyproject\.toml$/.test(p);
      let files: Map<string, string>;
      try {
        files = a.cachePath.toLowerCase().endsWith('.zip') ? readZip(bytes, isTopPyproject) : readTar(bytes, isTopPyproject);
      } catch (e) {
        resolved.warnings?.push(`${who}: cannot read ${a.cachePath} to find its build requirements: ${(e as Error).message}`);
        continue;
      }
      pyproject = [...files.values()][0];
      index = a.source.kind === 'url' ? defaultIndex : a.source.url;
    }
    if (!index) continue;
    const reqs = buildRequiresOf(pyproject, `${a.cachePath}/pyproject.toml`);
    buildRequires[a.key] = await closure(index, reqs, who);
  }
  return { artifacts: out, meta: { ...meta, buildRequires } };
}
