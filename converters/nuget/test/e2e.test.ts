// End to end: a loopback NuGet v3 feed serving generated signed packages; a project.assets.json and a
// packages.lock.json for them; lock2nix verifies every content hash, pins the files' own hashes, and a real
// nix-build assembles the source folder. Where dotnet is installed, `dotnet restore --source` reads it offline.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CollectingReporter, HashMismatchError, convertFile, createPrefetcher, type ConvertResult } from '@lock2nix/core';
import { NIX_ENV, TEMPLATES_DIR, TEST_PKGS, nixBuildExpr, startServer, testWithTools, type FixtureServer } from '@lock2nix/fixtures';
import { addNugetFeed, buildNupkg, packagesLockJson, projectAssetsJson, type FixturePackage, type NugetFeed } from '../../../fixtures/src/registries/nuget.ts';
import { nugetConverter } from '../src/index.ts';
import { renderDepsJson } from '../src/deps-json.ts';

const PACKAGES: FixturePackage[] = [
  { id: 'Fixture.Core', version: '1.0.0' },
  { id: 'Fixture.Json', version: '13.0.3', dependencies: { 'Fixture.Core': '[1.0.0, )' } },
  { id: 'Fixture.Pre', version: '2.0.0-Beta.1' },
  { id: 'Fixture.Legacy', version: '1.2.3.4' },
  { id: 'Fixture.Descriptors', version: '3.1.0', dataDescriptors: true, signaturePosition: 'first' },
  { id: 'Fixture.Unsigned', version: '0.9.0', signed: false },
  { id: 'Fixture.App.Runtime.linux-x64', version: '8.0.1' },
];
const PACK = 'Fixture.App.Runtime.linux-x64';
const PROJECTS = fileURLToPath(new URL('../../../fixtures/projects/nuget/', import.meta.url));

let server: FixtureServer;
let feed: NugetFeed;
let work: string;
const env = { LOCK2NIX_NUGET_RID: 'linux-x64' };

beforeAll(async () => {
  server = await startServer();
  feed = addNugetFeed(server, { packages: PACKAGES });
  work = await mkdtemp(join(tmpdir(), 'lock2nix-nuget-e2e-'));
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

/** Run a command without blocking this process, which serves the fixture feed. */
function runAsync(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stderr: string; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, opts);
    let stderr = '';
    let output = '';
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (output += d.toString())));
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stderr, output }));
  });
}

async function convert(file: string, opts: { offline?: boolean; cache: string; env?: Record<string, string> }): Promise<ConvertResult & { reporter: CollectingReporter }> {
  const reporter = new CollectingReporter();
  const prefetcher = createPrefetcher({ cacheDir: opts.cache, offline: opts.offline ?? false, reporter });
  try {
    const r = await convertFile(nugetConverter, file, { offline: opts.offline ?? false, prefetcher, reporter, env: { ...env, ...opts.env } });
    return { ...r, reporter };
  } finally {
    await prefetcher.close();
  }
}

/** Write the generated data and the builder, nix-build the source folder, return its path. */
async function buildSource(name: string, text: string): Promise<string> {
  const out = join(work, `out-${name}`);
  await mkdir(join(out, 'lib'), { recursive: true });
  await writeFile(join(out, 'nuget.json'), text);
  await copyFile(join(TEMPLATES_DIR, 'lib', 'nuget.nix'), join(out, 'lib', 'nuget.nix'));
  return nixBuildExpr(`(import ${TEST_PKGS} { }).callPackage ${out}/lib/nuget.nix { lock = builtins.fromJSON (builtins.readFile ${out}/nuget.json); }`);
}

async function checkSourceFolder(dir: string, pkgs: { id: string; version: string }[]): Promise<void> {
  expect((await readdir(dir)).sort()).toEqual([...new Set(pkgs.map((p) => p.id.toLowerCase()))].sort());
  for (const p of pkgs) {
    const b = feed.get(p.id, p.version);
    const base = join(dir, b.lowerId, b.lowerVersion);
    const nupkg = await readFile(join(base, `${b.lowerId}.${b.lowerVersion}.nupkg`));
    expect(nupkg.equals(b.bytes)).toBe(true);
    expect(await readFile(join(base, `${b.lowerId}.${b.lowerVersion}.nupkg.sha512`), 'utf8')).toBe(b.fileSha512);
    expect(await readFile(join(base, `${b.lowerId}.nuspec`), 'utf8')).toContain(`<id>${b.pkg.id}</id>`);
    expect(await readlink(join(base, `${b.lowerId}.${b.lowerVersion}.nupkg`))).toMatch(/^\/nix\/store\//);
  }
}

describe('project.assets.json', () => {
  let assetsFile: string;
  let result: ConvertResult;
  let cache: string;
  let source: string;

  beforeAll(async () => {
    const proj = join(work, 'assets-app');
    await mkdir(join(proj, 'obj'), { recursive: true });
    assetsFile = join(proj, 'obj', 'project.assets.json');
    await writeFile(
      assetsFile,
      projectAssetsJson(feed, {
        sources: ['C:\\Program Files\\dotnet\\library-packs', feed.serviceIndex],
        exclude: [PACK],
        runtimes: ['linux-x64'],
        downloadDependencies: [{ name: PACK, version: '[8.0.1, 8.0.1]' }],
      }),
    );
    cache = join(work, 'cache-assets');
    result = await convert(assetsFile, { cache });
  }, 60_000);

  test('every content hash verified; every file pinned by its own hash', () => {
    expect(result.unpinned).toEqual([]);
    expect(result.artifacts.map((a) => a.key)).toEqual(feed.packages.map((b) => `${b.lowerId}/${b.lowerVersion}`).sort());
    for (const a of result.artifacts) {
      const b = feed.get(a.name, a.version);
      expect(a.pin).toEqual({ hash: b.fileSha256, by: 'download' });
      expect(a.fetch).toEqual({ type: 'file', urls: [`${feed.flatContainer}${b.lowerId}/${b.lowerVersion}/${b.lowerId}.${b.lowerVersion}.nupkg`], name: `${b.lowerId}.${b.lowerVersion}.nupkg` });
      if (a.name === PACK) {
        expect(a.hashes).toEqual([]);
        expect((a.meta as Record<string, string>).role).toBe('pack');
      } else {
        expect(a.hashes[0]!.hex).toBe(Buffer.from(b.contentHash, 'base64').toString('hex'));
        // the trap: for a signed package the lockfile's hash is not the file's
        if (b.pkg.signed !== false) expect(b.contentHash).not.toBe(b.fileSha512);
      }
    }
    // the content hash is in meta (what the pin was checked against), never the fetch's hash
    const core = feed.get('Fixture.Core', '1.0.0');
    expect(result.text.split(core.contentHash).length - 1).toBe(1);
    expect(result.text).toContain(`"contentHash": "sha512-${core.contentHash}"`);
    expect(result.text).toContain(`"hash": "${core.fileSha256}"`);
    expect(result.warnings).toEqual([]);
    expect(server.log.some((l) => l === 'GET /nuget/v3/index.json')).toBe(true);
  });

  test('nix-build assembles the source folder', async () => {
    source = await buildSource('assets', result.text);
    await checkSourceFolder(source, PACKAGES);
  }, 120_000);

  test('offline: pinned from the cache with byte-identical output; with no cache, unpinned and told why', async () => {
    const again = await convert(assetsFile, { cache, offline: true });
    expect(again.text).toBe(result.text);
    const cold = await convert(assetsFile, { cache: join(work, 'cache-empty'), offline: true });
    expect(cold.unpinned).toHaveLength(PACKAGES.length);
    const w = cold.warnings.join('\n');
    expect(w).toContain('is not in the download cache, so its packages have no URL here');
    expect(w).toContain('must be downloaded once, or be in the lock2nix download cache');
  }, 60_000);

  test('nixpkgs deps.json: pname, version, raw-file sha256, url for a feed other than nuget.org', () => {
    const deps = JSON.parse(renderDepsJson(result)) as { pname: string; version: string; hash: string; url?: string }[];
    expect(deps.map((d) => d.pname)).toEqual(PACKAGES.filter((p) => p.id !== PACK).map((p) => p.id).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    for (const d of deps) {
      const b = feed.get(d.pname, d.version);
      expect(d).toEqual({ pname: b.pkg.id, version: b.lowerVersion, hash: b.fileSha256, url: `${feed.flatContainer}${b.lowerId}/${b.lowerVersion}/${b.lowerId}.${b.lowerVersion}.nupkg` });
    }
    expect(JSON.parse(renderDepsJson(result, { includePacks: true }))).toHaveLength(PACKAGES.length);
  });

  test('the fixture project references exactly the fed packages (what dotnet restore would ask for)', async () => {
    const csproj = await readFile(join(PROJECTS, 'app', 'App.csproj'), 'utf8');
    const refs = [...csproj.matchAll(/<PackageReference Include="([^"]+)" Version="([^"]+)"/g)].map((m) => `${m[1]}/${m[2]}`);
    expect(refs.sort()).toEqual(PACKAGES.filter((p) => p.id !== PACK).map((p) => `${p.id}/${p.version}`).sort());
  });

  testWithTools(['dotnet'], 'dotnet restore --source <folder> succeeds with no network', async () => {
    // fixtures/projects/nuget/app, its nuget.config pointing at the built source folder only
    const proj = join(work, 'dotnet-app');
    await mkdir(proj, { recursive: true });
    for (const f of ['App.csproj', 'Program.cs', 'nuget.config']) {
      const text = await readFile(join(PROJECTS, 'app', f), 'utf8');
      await writeFile(join(proj, f), text.replaceAll('@SOURCE@', source));
    }
    // nothing to reach: the feed answers 503 to everything, and any proxy is a dead port
    server.fault('/', { kind: 'status', status: 503 });
    const before = server.log.length;
    let r;
    try {
      r = await runAsync('dotnet', ['restore', '--source', source, '--packages', join(proj, 'packages')], {
        cwd: proj,
        env: { ...NIX_ENV, HOME: proj, DOTNET_CLI_HOME: proj, DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NUGET_SIGNATURE_VERIFICATION: 'false', NUGET_PACKAGES: join(proj, 'packages'), http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9' },
      });
    } finally {
      server.clearFaults();
    }
    expect(r.status, r.output).toBe(0);
    expect(server.log.length).toBe(before);
    for (const p of PACKAGES.filter((x) => x.id !== PACK)) {
      expect((await readdir(join(proj, 'packages', p.id.toLowerCase()))).length).toBe(1);
    }
  }, 300_000);
});

describe('packages.lock.json', () => {
  test('v2 with Direct, Transitive, CentralTransitive and Project entries; feed from nuget.config; nix-build', async () => {
    const proj = join(work, 'lock-app');
    await mkdir(proj, { recursive: true });
    const lockFile = join(proj, 'packages.lock.json');
    const lockFeed = { ...feed, packages: feed.packages.filter((b) => b.pkg.id !== PACK) };
    await writeFile(lockFile, packagesLockJson(lockFeed, ['Fixture.Json', 'Fixture.Pre'], { version: 2, centralTransitive: ['Fixture.Legacy'], projects: ['fixture.library'] }));
    await writeFile(join(proj, 'NuGet.Config'), `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key="fixture feed" value="${feed.serviceIndex}" protocolVersion="3" />\n  </packageSources>\n</configuration>\n`);
    const r = await convert(lockFile, { cache: join(work, 'cache-lock') });
    expect(r.unpinned).toEqual([]);
    expect(r.lock.format).toBe('packages.lock.json v2');
    expect(r.artifacts).toHaveLength(lockFeed.packages.length);
    for (const a of r.artifacts) {
      expect(a.pin?.hash).toBe(feed.get(a.name, a.version).fileSha256);
      expect(a.source).toEqual({ kind: 'alt-registry', url: feed.serviceIndex, name: 'fixture feed' });
    }
    const dir = await buildSource('lock', r.text);
    await checkSourceFolder(dir, PACKAGES.filter((p) => p.id !== PACK));
  }, 120_000);
});

describe('verification', () => {
  test('a package whose content hash differs from the lockfile is refused, naming package and feed', async () => {
    const other = await startServer();
    try {
      const evil = addNugetFeed(other, { packages: [{ id: 'Fixture.Core', version: '1.0.0', dependencies: { Evil: '[6.6.6, )' } }] });
      const proj = join(work, 'mismatch');
      await mkdir(join(proj, 'obj'), { recursive: true });
      const file = join(proj, 'obj', 'project.assets.json');
      // the lockfile states the real Fixture.Core; the other feed serves a different package of that name
      await writeFile(file, projectAssetsJson({ ...feed, packages: [feed.get('Fixture.Core', '1.0.0')] }, { sources: [evil.serviceIndex] }));
      const err = await convert(file, { cache: join(work, 'cache-mismatch') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HashMismatchError);
      const m = (err as HashMismatchError).message;
      expect(m).toContain('Fixture.Core 1.0.0');
      expect(m).toContain(evil.serviceIndex);
      expect(m).toContain('NuGet content hash');
      expect(m).toContain(`sha512-${feed.get('Fixture.Core', '1.0.0').contentHash}`);
      // with the real feed second, the package comes from there, and the user is told about the first
      await writeFile(file, projectAssetsJson({ ...feed, packages: [feed.get('Fixture.Core', '1.0.0')] }, { sources: [evil.serviceIndex, feed.serviceIndex] }));
      const r = await convert(file, { cache: join(work, 'cache-race') });
      expect(r.artifacts[0]!.source.url).toBe(feed.serviceIndex);
      expect(r.artifacts[0]!.pin?.hash).toBe(feed.get('Fixture.Core', '1.0.0').fileSha256);
      expect(r.warnings).toEqual([`Fixture.Core 1.0.0: feed ${evil.serviceIndex} serves a different package under this id and version (its content hash is not the lockfile's); taken from ${feed.serviceIndex}, whose package matches`]);
    } finally {
      await other.close();
    }
  }, 60_000);

  test('feeds are tried in order; credentials from nuget.config are sent while prefetching and never written', async () => {
    const priv = await startServer();
    try {
      const password = 's3cret-Passw0rd';
      const privFeed = addNugetFeed(priv, { prefix: '/private', packages: [{ id: 'Fixture.Private', version: '1.0.0' }, { id: 'Fixture.Core', version: '1.0.0' }], auth: { username: 'ci', password } });
      const publicOnly = { ...feed, packages: [feed.get('Fixture.Core', '1.0.0'), feed.get('Fixture.Json', '13.0.3')] };
      const proj = join(work, 'multi');
      await mkdir(join(proj, 'obj'), { recursive: true });
      const file = join(proj, 'obj', 'project.assets.json');
      const both = { ...feed, packages: [...publicOnly.packages, privFeed.get('Fixture.Private', '1.0.0')] };
      await writeFile(file, projectAssetsJson(both, { sources: [feed.serviceIndex, privFeed.serviceIndex] }));
      await writeFile(
        join(proj, 'nuget.config'),
        `<configuration>\n  <packageSources>\n    <add key="private feed" value="${privFeed.serviceIndex}" />\n  </packageSources>\n  <packageSourceCredentials>\n    <private_x0020_feed>\n      <add key="Username" value="ci" />\n      <add key="ClearTextPassword" value="%FEED_PASSWORD%" />\n    </private_x0020_feed>\n  </packageSourceCredentials>\n</configuration>\n`,
      );
      const r = await convert(file, { cache: join(work, 'cache-multi'), env: { FEED_PASSWORD: password } });
      const byName = new Map(r.artifacts.map((a) => [a.name, a]));
      // Fixture.Core is on both feeds: the first one wins
      expect(byName.get('Fixture.Core')!.source.url).toBe(feed.serviceIndex);
      expect(priv.log).not.toContain('GET /private/v3-flatcontainer/fixture.core/index.json');
      expect(priv.log).toContain('GET /private/v3-flatcontainer/fixture.private/1.0.0/fixture.private.1.0.0.nupkg');
      expect(byName.get('Fixture.Private')!.source).toEqual({ kind: 'alt-registry', url: privFeed.serviceIndex, name: 'private feed' });
      expect(byName.get('Fixture.Private')!.pin?.hash).toBe(privFeed.get('Fixture.Private', '1.0.0').fileSha256);
      expect(r.text).not.toContain(password);
      expect(r.text).not.toContain(Buffer.from(`ci:${password}`).toString('base64'));
      // packageSourceMapping: Fixture.Core mapped to the private feed comes from there, whatever the order
      await writeFile(
        join(proj, 'nuget.config'),
        `<configuration>\n  <packageSources>\n    <add key="public" value="${feed.serviceIndex}" />\n    <add key="private feed" value="${privFeed.serviceIndex}" />\n  </packageSources>\n  <packageSourceMapping>\n    <packageSource key="public">\n      <package pattern="*" />\n    </packageSource>\n    <packageSource key="private feed">\n      <package pattern="Fixture.Core" />\n      <package pattern="Fixture.Private*" />\n    </packageSource>\n  </packageSourceMapping>\n  <packageSourceCredentials>\n    <private_x0020_feed>\n      <add key="Username" value="ci" />\n      <add key="ClearTextPassword" value="%FEED_PASSWORD%" />\n    </private_x0020_feed>\n  </packageSourceCredentials>\n</configuration>\n`,
      );
      const mapped = await convert(file, { cache: join(work, 'cache-mapped'), env: { FEED_PASSWORD: password } });
      const src = Object.fromEntries(mapped.artifacts.map((a) => [a.name, a.source.name]));
      expect(src).toEqual({ 'Fixture.Core': 'private feed', 'Fixture.Json': 'public', 'Fixture.Private': 'private feed' });
      expect(mapped.artifacts.find((a) => a.name === 'Fixture.Core')!.pin?.hash).toBe(privFeed.get('Fixture.Core', '1.0.0').fileSha256);
      // without the password the private feed refuses, and the message says where credentials go
      const denied = await convert(file, { cache: join(work, 'cache-denied') }).catch((e: unknown) => e as Error);
      expect(String(denied)).toContain('HTTP 401');
      expect(String(denied)).toContain('nuget.config');
    } finally {
      await priv.close();
    }
  }, 60_000);
});

test('the harness ran with real Nix (no binary cache)', () => {
  expect(NIX_ENV.NIX_CONFIG).toContain('substituters =');
  expect(createHash('sha256').update('').digest('hex')).toHaveLength(64);
});

test('a feed that serves something other than a zip: an error naming package and URL', async () => {
  const bad = await startServer();
  try {
    bad.file('/bad/v3-flatcontainer/fixture.core/1.0.0/fixture.core.1.0.0.nupkg', '<html>maintenance</html>', 'text/html');
    const f = addNugetFeed(bad, { prefix: '/bad', packages: [] });
    const proj = join(work, 'notzip');
    await mkdir(join(proj, 'obj'), { recursive: true });
    const file = join(proj, 'obj', 'project.assets.json');
    await writeFile(file, projectAssetsJson({ ...feed, packages: [feed.get('Fixture.Core', '1.0.0')] }, { sources: [f.serviceIndex] }));
    await expect(convert(file, { cache: join(work, 'cache-notzip') })).rejects.toThrow(/Fixture\.Core 1\.0\.0: http:\/\/127\.0\.0\.1:\d+\/bad\/v3-flatcontainer\/fixture\.core\/1\.0\.0\/fixture\.core\.1\.0\.0\.nupkg is not a readable \.nupkg/);
  } finally {
    await bad.close();
  }
}, 60_000);

test('the lock2nix command: `lock2nix nuget` in the project, then nix-build of the generated default.nix', async () => {
  const proj = join(work, 'cli-app');
  await mkdir(join(proj, 'obj'), { recursive: true });
  await writeFile(join(proj, 'obj', 'project.assets.json'), projectAssetsJson({ ...feed, packages: feed.packages.filter((b) => b.pkg.id !== PACK) }, { sources: [feed.serviceIndex] }));
  const cli = fileURLToPath(new URL('../../../cli/bin/lock2nix.js', import.meta.url));
  const run = (args: string[]) => runAsync(process.execPath, [cli, 'nuget', '--cache-dir', join(work, 'cache-cli'), ...args], { cwd: proj, env: { ...process.env, ...env, NO_COLOR: '1' } });
  const r = await run([]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toContain(`(${PACKAGES.length - 1} pinned, 0 unpinned, 0 local)`);
  const names = (await readdir(join(proj, 'lock2nix'))).filter((n) => n.endsWith('.json') || (n.endsWith('.nix') && n !== 'default.nix'));
  expect(names).toEqual(['nuget.json']);
  const attr = names[0]!.slice(0, -'.json'.length);
  // --format nixpkgs also writes the deps.json that buildDotnetModule's nugetDeps reads
  const fmt = await run(['--format', 'nixpkgs', '--out', join(proj, 'nixpkgs-out')]);
  expect(fmt.status, fmt.stderr).toBe(0);
  const deps = JSON.parse(await readFile(join(proj, 'nixpkgs-out', 'nuget.deps.json'), 'utf8')) as { pname: string; version: string; sha256: string }[];
  expect(deps.map((d) => d.pname).sort()).toEqual(PACKAGES.filter((p) => p.id !== PACK).map((p) => p.id).sort());
  const out = await nixBuildExpr(`((import ${TEST_PKGS} { }).callPackage ${join(proj, 'lock2nix')} { }).${JSON.stringify(attr)}`);
  await checkSourceFolder(out, PACKAGES.filter((p) => p.id !== PACK));
  // --check: the committed output is what lock2nix would write
  expect((await run(['--check'])).status).toBe(0);
  // --offline with an empty cache: every entry unpinned (exit 5), and the reason is said
  const off = await runAsync(process.execPath, [cli, 'nuget', '--offline', '--out', join(proj, 'offline-out'), '--cache-dir', join(work, 'cache-cli-empty')], { cwd: proj, env: { ...process.env, ...env, NO_COLOR: '1' } });
  expect(off.status).toBe(5);
  expect(off.stderr).toContain('NuGet lockfiles state content hashes (of the package without its signature), not hashes of the .nupkg files, so every package must be downloaded once, or be in the lock2nix download cache');
}, 120_000);

test('a pack (no hash in the lockfile) must at least be the package it names', async () => {
  const bad = await startServer();
  try {
    const wrong = buildNupkg({ id: 'Something.Else', version: '8.0.1' });
    bad.file('/packs/v3-flatcontainer/fixture.app.runtime.linux-x64/8.0.1/fixture.app.runtime.linux-x64.8.0.1.nupkg', wrong.bytes);
    const f = addNugetFeed(bad, { prefix: '/packs', packages: [] });
    const proj = join(work, 'wrong-pack');
    await mkdir(join(proj, 'obj'), { recursive: true });
    const file = join(proj, 'obj', 'project.assets.json');
    await writeFile(file, projectAssetsJson({ ...feed, packages: [] }, { sources: [f.serviceIndex], downloadDependencies: [{ name: PACK, version: '[8.0.1, 8.0.1]' }] }));
    await expect(convert(file, { cache: join(work, 'cache-wrong-pack') })).rejects.toThrow(`${PACK} 8.0.1: ${f.flatContainer}fixture.app.runtime.linux-x64/8.0.1/fixture.app.runtime.linux-x64.8.0.1.nupkg serves the package Something.Else 8.0.1, not the one the lockfile names`);
  } finally {
    await bad.close();
  }
}, 60_000);
