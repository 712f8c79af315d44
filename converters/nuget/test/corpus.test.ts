// Every real lockfile in fixtures/corpus/nuget parses into the full package plan, and converts offline into
// entries with flat-container URLs and the lockfile's content hashes, unpinned and saying why.

import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CollectingReporter, convertText, createPrefetcher, type HttpPrefetcher } from '@lock2nix/core';
import { TEMPLATES_DIR, TEST_PKGS, nixInstantiate } from '@lock2nix/fixtures';
import { nugetConverter, parseNuget } from '../src/index.ts';
import { NUGET_ORG_FLAT_CONTAINER, NUGET_ORG_SERVICE_INDEX } from '../src/defaults.ts';
import { normalizeVersion } from '../src/version.ts';

const CORPUS = fileURLToPath(new URL('../../../fixtures/corpus/nuget/', import.meta.url));

interface Expected {
  kind: 'assets' | 'packages-lock';
  formatVersion: number;
  libraries: number;
  packs: number;
  projects: number;
  runtimes: string[];
}

const EXPECTED: Record<string, Expected> = {
  'aspnet-webapi-net8': { kind: 'assets', formatVersion: 3, libraries: 83, packs: 0, projects: 0, runtimes: [] },
  'maui-android-ios-multitarget': {
    kind: 'assets', formatVersion: 3, libraries: 35, packs: 10, projects: 0,
    runtimes: ['android-arm', 'android-arm64', 'android-x64', 'android-x86', 'iossimulator-x64', 'maccatalyst-x64', 'win10-x64'],
  },
  'winforms-win-x64-rid': { kind: 'assets', formatVersion: 3, libraries: 33, packs: 0, projects: 0, runtimes: ['win-x64'] },
  'blis-ng-lockv1-win-x64': { kind: 'packages-lock', formatVersion: 1, libraries: -1, packs: 0, projects: 0, runtimes: ['win-x64'] },
  'dotnet2nix-lockv1-netcoreapp31': { kind: 'packages-lock', formatVersion: 1, libraries: 132, packs: 0, projects: 0, runtimes: [] },
  'stryker-cli-lockv2-cpm': { kind: 'packages-lock', formatVersion: 2, libraries: 90, packs: 0, projects: 10, runtimes: [] },
};

/** An independent count of what the lockfile holds: distinct lower-cased id/version pairs and their hashes. */
function expectedPackages(text: string): Map<string, string | undefined> {
  const j = JSON.parse(text) as Record<string, any>;
  const out = new Map<string, string | undefined>();
  if (j.libraries) {
    for (const [k, v] of Object.entries<any>(j.libraries)) if (v.type === 'package') out.set(k.toLowerCase(), v.sha512);
    for (const fw of Object.values<any>(j.project?.frameworks ?? {})) {
      for (const d of fw.downloadDependencies ?? []) {
        const v = /^\[([^,\]]+)/.exec(d.version)![1]!.trim();
        if (!out.has(`${d.name}/${v}`.toLowerCase())) out.set(`${d.name}/${v}`.toLowerCase(), undefined);
      }
    }
  } else {
    for (const t of Object.values<any>(j.dependencies)) {
      for (const [id, e] of Object.entries<any>(t)) if (e.type !== 'Project') out.set(`${id}/${normalizeVersion(e.resolved)}`.toLowerCase(), e.contentHash);
    }
  }
  return out;
}

const slugs = Object.keys(EXPECTED).sort();
let cacheDir: string;
let prefetcher: HttpPrefetcher;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'lock2nix-nuget-corpus-'));
  prefetcher = createPrefetcher({ cacheDir, offline: true });
});
afterAll(async () => {
  await prefetcher.close();
  await rm(cacheDir, { recursive: true, force: true });
});

test('the corpus folder holds exactly the expected lockfiles', async () => {
  const dirs = (await readdir(CORPUS, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  expect(dirs).toEqual(slugs);
});

describe.each(slugs)('%s', (slug) => {
  const exp = EXPECTED[slug]!;
  const fileName = exp.kind === 'assets' ? 'project.assets.json' : 'packages.lock.json';
  const file = join(CORPUS, slug, fileName);

  test('parses into the full package plan', async () => {
    const text = await readFile(file, 'utf8');
    expect(nugetConverter.detect(fileName, text)).toBe(true);
    const plan = parseNuget(file, text);
    expect(plan.kind).toBe(exp.kind);
    expect(plan.formatVersion).toBe(exp.formatVersion);
    const want = expectedPackages(text);
    const got = new Map(plan.packages.map((p) => [`${p.lowerId}/${p.lowerVersion}`, p.contentHash]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, h] of want) expect(got.get(k), k).toBe(h);
    if (exp.libraries >= 0) expect(plan.packages.filter((p) => p.role === 'library')).toHaveLength(exp.libraries);
    expect(plan.packages.filter((p) => p.role === 'pack')).toHaveLength(exp.packs);
    expect(plan.projects).toHaveLength(exp.projects);
    expect(plan.runtimes).toEqual(exp.runtimes);
    for (const p of plan.packages) {
      expect(p.version).toBe(normalizeVersion(p.version));
      expect(p.lowerVersion).toBe(p.version.toLowerCase());
      if (p.role === 'library') expect(p.contentHash).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      if (exp.kind === 'assets' && p.role === 'library') expect(p.signed).toBe(true);
    }
  });

  test('converts offline: nuget.org URLs, content hashes kept, nothing pinned, and a clear reason', async () => {
    const text = await readFile(file, 'utf8');
    const reporter = new CollectingReporter();
    const res = await convertText(nugetConverter, file, text, { projectDir: join(CORPUS, slug), offline: true, prefetcher, reporter, env: { LOCK2NIX_NUGET_RID: 'linux-x64' } });
    const plan = parseNuget(file, text);
    expect(res.artifacts).toHaveLength(plan.packages.length);
    expect(res.unpinned).toHaveLength(plan.packages.length);
    for (const a of res.artifacts) {
      const m = a.meta as Record<string, string>;
      expect(a.key).toBe(`${m.lowerId}/${m.lowerVersion}`);
      expect(a.source.url).toBe(NUGET_ORG_SERVICE_INDEX);
      expect(a.fetch).toEqual({ type: 'file', urls: [`${NUGET_ORG_FLAT_CONTAINER}${m.lowerId}/${m.lowerVersion}/${m.lowerId}.${m.lowerVersion}.nupkg`], name: `${m.lowerId}.${m.lowerVersion}.nupkg` });
      expect(a.cachePath).toBe(`${m.lowerId}/${m.lowerVersion}/${m.lowerId}.${m.lowerVersion}.nupkg`);
      const p = plan.packages.find((x) => `${x.lowerId}/${x.lowerVersion}` === a.key)!;
      if (p.contentHash) {
        expect(a.hashes).toEqual([{ algo: 'sha512', hex: Buffer.from(p.contentHash, 'base64').toString('hex'), meaning: 'ecosystem', field: exp.kind === 'assets' ? 'sha512' : 'contentHash' }]);
        // recorded in meta as what a pin of this entry is checked against (core/src/pin.ts), never as the fetch's hash
        expect(m.contentHash).toBe(`sha512-${p.contentHash}`);
      }
    }
    expect(res.warnings.join('\n')).toMatch(/NuGet packages are not pinned: NuGet lockfiles state content hashes .* must be downloaded once, or be in the lock2nix download cache/);
    if (exp.runtimes.length) expect(res.warnings.join('\n')).toContain('but not for linux-x64 (the build platform)');
    else expect(res.warnings.join('\n')).not.toContain('build platform');
    expect(res.text).toContain('is not pinned yet; run `lock2nix nuget` without --offline');
    // byte-identical output for the same input
    const again = await convertText(nugetConverter, file, text, { projectDir: join(CORPUS, slug), offline: true, prefetcher, reporter, env: { LOCK2NIX_NUGET_RID: 'linux-x64' } });
    expect(again.text).toBe(res.text);
  });
});

test('Nix: an unpinned NuGet entry stops evaluation with the message naming the package and the command', async () => {
  const file = join(CORPUS, 'blis-ng-lockv1-win-x64', 'packages.lock.json');
  const res = await convertText(nugetConverter, file, await readFile(file, 'utf8'), { projectDir: CORPUS, offline: true, prefetcher, reporter: new CollectingReporter(), env: {} });
  const out = join(cacheDir, 'out');
  await mkdir(join(out, 'lib'), { recursive: true });
  await writeFile(join(out, 'nuget.json'), res.text);
  await copyFile(join(TEMPLATES_DIR, 'lib', 'nuget.nix'), join(out, 'lib', 'nuget.nix'));
  await expect(nixInstantiate(`(import ${TEST_PKGS} { }).callPackage ${out}/lib/nuget.nix { lock = builtins.fromJSON (builtins.readFile ${out}/nuget.json); }`)).rejects.toThrow(
    /lock2nix: nuget package \S+ \S+ is not pinned yet; run `lock2nix nuget` without --offline/,
  );
}, 60_000);
