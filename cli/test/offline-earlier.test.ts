// `--offline` and `--check --offline` against an output folder an earlier (online) run wrote: index files of a
// poetry.lock get their earlier URLs back, NuGet packages their earlier pins, where the lockfile's own hashes
// justify it (core/src/pin.ts). Loopback registries, stopped before the offline runs; fresh download caches, so
// nothing comes from the cache.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { legacyNixData, parseData, printData, startServer, type FixtureServer } from '@lock2nix/fixtures';
import { access } from 'node:fs/promises';
import { makeWheel, servePypi, type PyFile } from '../../fixtures/src/registries/pypi.ts';
import { addNugetFeed, packagesLockJson, type NugetFeed } from '../../fixtures/src/registries/nuget.ts';
import { EXIT, main } from '../src/main.ts';

let work: string;
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-offline-earlier-'));
});

let caches = 0;
async function lock2nix(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const home = join(work, 'home');
  const env: Record<string, string | undefined> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    PIP_CONFIG_FILE: '/dev/null',
    POETRY_CONFIG_DIR: join(home, 'poetry-config'),
    NUGET_PACKAGES: join(home, 'nuget-packages'),
    LOCK2NIX_NUGET_RID: 'linux-x64',
    NO_COLOR: '1',
  };
  // every run its own empty download cache: what an offline run pins comes from the lockfile and the earlier output
  const code = await main([...args, '--cache-dir', join(work, `cache-${++caches}`)], { out: () => undefined, err: (s) => (stderr += s), isTTY: false, env, cwd });
  return { code, stderr };
}

const sri = (hex: string) => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;

describe('poetry: --offline reuses the URLs of the earlier output', () => {
  let server: FixtureServer;
  let indexUrl: string;
  const F: Record<string, PyFile> = {};
  let project: string;
  const pkg = (name: string, version: string, files: PyFile[]) =>
    `[[package]]\nname = "${name}"\nversion = "${version}"\ndescription = ""\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = [\n${files.map((f) => `    {file = "${f.filename}", hash = "sha256:${f.sha256}"},\n`).join('')}]\n\n[package.source]\ntype = "legacy"\nurl = "${indexUrl}"\nreference = "fixture"\n\n`;
  const META = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "0"\n';
  const lockText = (beta: PyFile) => pkg('alpha', '1.0.0', [F.a!, F.a2!]) + pkg('beta', beta === F.b ? '1.0.0' : '1.1.0', [beta]) + pkg('gamma', '1.0.0', [F.g!]) + META;
  let online = '';

  beforeAll(async () => {
    server = await startServer();
    const index = servePypi(server);
    indexUrl = index.url;
    F.a = makeWheel({ name: 'alpha', version: '1.0.0' });
    F.a2 = makeWheel({ name: 'alpha', version: '1.0.0', tag: 'cp311-cp311-manylinux_2_17_x86_64' });
    F.b = makeWheel({ name: 'beta', version: '1.0.0' });
    F.b11 = makeWheel({ name: 'beta', version: '1.1.0' });
    F.g = makeWheel({ name: 'gamma', version: '1.0.0' });
    for (const f of Object.values(F)) index.add(f);
    project = join(work, 'poetry-app');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'poetry.lock'), lockText(F.b!));
    const r = await lock2nix(project, ['poetry']);
    expect(r.stderr).toContain('(4 pinned, 0 unpinned');
    expect(r.code).toBe(EXIT.ok);
    online = await readFile(join(project, 'lock2nix/poetry.json'), 'utf8');
    expect(online).toContain(index.fileUrl(F.a!.filename));
    await server.close(); // from here on, nothing answers
  }, 60_000);

  test('an offline run writes the same output; --check --offline passes on it', async () => {
    const r = await lock2nix(project, ['poetry', '--offline']);
    expect(r.stderr).toContain('(4 pinned, 0 unpinned');
    expect(r.code).toBe(EXIT.ok);
    expect(await readFile(join(project, 'lock2nix/poetry.json'), 'utf8')).toBe(online);
    const c = await lock2nix(project, ['poetry', '--check', '--offline']);
    expect(c.stderr).toContain('is up to date');
    expect(c.code).toBe(EXIT.ok);
  });

  test('a legacy format 2 output (poetry.nix) lends its URLs too, and is replaced by poetry.json', async () => {
    const dir = join(work, 'poetry-legacy');
    await mkdir(join(dir, 'lock2nix'), { recursive: true });
    await writeFile(join(dir, 'lock2nix/poetry.nix'), legacyNixData(online));
    await writeFile(join(dir, 'poetry.lock'), lockText(F.b!));
    const c = await lock2nix(dir, ['poetry', '--check', '--offline']);
    expect(c.code).toBe(EXIT.stale);
    expect(c.stderr).toContain('poetry.nix: to be removed');
    const r = await lock2nix(dir, ['poetry', '--offline']);
    expect(r.stderr).toContain('(4 pinned, 0 unpinned');
    expect(r.code).toBe(EXIT.ok);
    expect(await readFile(join(dir, 'lock2nix/poetry.json'), 'utf8')).toBe(online);
    await expect(access(join(dir, 'lock2nix/poetry.nix'))).rejects.toThrow();
  });

  test('after a lockfile edit of one package: --check --offline fails; --offline pins all others and names it', async () => {
    const dir = join(work, 'poetry-edit');
    await mkdir(join(dir, 'lock2nix'), { recursive: true });
    await writeFile(join(dir, 'lock2nix/poetry.json'), online);
    await writeFile(join(dir, 'poetry.lock'), lockText(F.b11!));
    const c = await lock2nix(dir, ['poetry', '--check', '--offline']);
    expect(c.code).toBe(EXIT.stale);
    const r = await lock2nix(dir, ['poetry', '--offline']);
    expect(r.code).toBe(EXIT.incomplete);
    expect(r.stderr).toContain('(3 pinned, 1 unpinned');
    expect(r.stderr).toMatch(/1 entries could not be pinned offline[^\n]*\n {2}poetry: beta 1\.1\.0\n/);
    const out = await readFile(join(dir, 'lock2nix/poetry.json'), 'utf8');
    for (const f of [F.a!, F.a2!, F.g!]) expect(out).toContain(sri(f.sha256));
    expect(out).not.toContain(sri(F.b11!.sha256)); // unpinned: the lock's hash stays in meta only, as "sha256:<hex>"
    expect(Object.values(parseData(out).artifacts).find((a) => a.version === '1.1.0')?.unpinned).toMatch(/^lock2nix: poetry package beta 1\.1\.0 is not pinned yet/);
    // the unchanged entries are printed exactly as the online run printed them
    for (const f of [F.a!, F.a2!, F.g!]) expect(parseData(out).artifacts[f.filename]).toEqual(parseData(online).artifacts[f.filename]);
  });

  test('an earlier output whose pin is not the lockfile sha256 lends no URL', async () => {
    const dir = join(work, 'poetry-tampered');
    await mkdir(join(dir, 'lock2nix'), { recursive: true });
    const other = '00'.repeat(32);
    expect(online).toContain(sri(F.g!.sha256));
    await writeFile(join(dir, 'lock2nix/poetry.json'), online.replace(sri(F.g!.sha256), sri(other)));
    await writeFile(join(dir, 'poetry.lock'), lockText(F.b!));
    const r = await lock2nix(dir, ['poetry', '--offline']);
    expect(r.code).toBe(EXIT.incomplete);
    expect(r.stderr).toMatch(/1 entries could not be pinned offline[^\n]*\n {2}poetry: gamma 1\.0\.0\n/);
    const out = await readFile(join(dir, 'lock2nix/poetry.json'), 'utf8');
    expect(out).not.toContain(sri(other));
    expect(out).toContain(sri(F.a!.sha256));
  });
});

describe('nuget: --offline reuses earlier pins verified against the same content hash', () => {
  let server: FixtureServer;
  let feed: NugetFeed;
  let project: string;
  let online = '';
  let lock = '';

  beforeAll(async () => {
    server = await startServer();
    feed = addNugetFeed(server, { packages: [{ id: 'Fixture.Core', version: '1.0.0' }, { id: 'Fixture.Json', version: '13.0.3', dependencies: { 'Fixture.Core': '[1.0.0, )' } }, { id: 'Fixture.Extra', version: '2.0.0' }] });
    project = join(work, 'nuget-app');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'nuget.config'), `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key="fixture" value="${feed.serviceIndex}" />\n  </packageSources>\n</configuration>\n`);
    lock = packagesLockJson(feed, ['Fixture.Json', 'Fixture.Extra']);
    await writeFile(join(project, 'packages.lock.json'), lock);
    const r = await lock2nix(project, ['nuget']);
    expect(r.stderr).toContain('(3 pinned, 0 unpinned');
    expect(r.code).toBe(EXIT.ok);
    online = await readFile(join(project, 'lock2nix/nuget-packages-lock.json'), 'utf8');
    for (const b of feed.packages) expect(online).toContain(`"contentHash": "sha512-${b.contentHash}"`);
    await server.close();
  }, 60_000);

  test('an offline run writes the same output; --check --offline passes on it', async () => {
    const r = await lock2nix(project, ['nuget', '--offline']);
    expect(r.stderr).toContain('(3 pinned, 0 unpinned');
    expect(r.code).toBe(EXIT.ok);
    expect(await readFile(join(project, 'lock2nix/nuget-packages-lock.json'), 'utf8')).toBe(online);
    const c = await lock2nix(project, ['nuget', '--check', '--offline']);
    expect(c.code).toBe(EXIT.ok);
  });

  test('a changed content hash in the lockfile: that package stays unpinned and is named; --check --offline fails', async () => {
    const dir = join(work, 'nuget-edit');
    await mkdir(join(dir, 'lock2nix'), { recursive: true });
    await writeFile(join(dir, 'nuget.config'), await readFile(join(project, 'nuget.config'), 'utf8'));
    await writeFile(join(dir, 'lock2nix/nuget-packages-lock.json'), online);
    const extra = feed.get('Fixture.Extra', '2.0.0');
    const changed = Buffer.alloc(64, 7).toString('base64');
    await writeFile(join(dir, 'packages.lock.json'), lock.replace(extra.contentHash, changed));
    expect((await lock2nix(dir, ['nuget', '--check', '--offline'])).code).toBe(EXIT.stale);
    const r = await lock2nix(dir, ['nuget', '--offline']);
    expect(r.code).toBe(EXIT.incomplete);
    expect(r.stderr).toMatch(/1 entries could not be pinned offline[^\n]*\n {2}nuget-packages-lock: Fixture\.Extra 2\.0\.0\n/);
    const out = await readFile(join(dir, 'lock2nix/nuget-packages-lock.json'), 'utf8');
    for (const id of ['Fixture.Core', 'Fixture.Json']) {
      const b = feed.packages.find((p) => p.pkg.id === id)!;
      expect(out).toContain(`"hash": "${b.fileSha256}"`);
    }
    expect(out).not.toContain(extra.fileSha256);
  });

  test('an earlier output that does not record the verified content hash lends no pin', async () => {
    const dir = join(work, 'nuget-old');
    await mkdir(join(dir, 'lock2nix'), { recursive: true });
    await writeFile(join(dir, 'nuget.config'), await readFile(join(project, 'nuget.config'), 'utf8'));
    const data = parseData(online);
    for (const a of Object.values(data.artifacts)) delete a.meta?.contentHash;
    await writeFile(join(dir, 'lock2nix/nuget-packages-lock.json'), printData(data));
    await writeFile(join(dir, 'packages.lock.json'), lock);
    const r = await lock2nix(dir, ['nuget', '--offline']);
    expect(r.code).toBe(EXIT.incomplete);
    expect(r.stderr).toContain('(0 pinned, 3 unpinned');
  });
});

describe('lock2nix update: a NuGet pin is reused only for the content hash it was verified against', () => {
  test('a changed content hash under the same URL is downloaded and checked again (and here refused)', async () => {
    const server = await startServer();
    try {
      const feed = addNugetFeed(server, { packages: [{ id: 'Fixture.Core', version: '1.0.0' }, { id: 'Fixture.Extra', version: '2.0.0' }] });
      const dir = join(work, 'nuget-update');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'nuget.config'), `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key="fixture" value="${feed.serviceIndex}" />\n  </packageSources>\n</configuration>\n`);
      const lock = packagesLockJson(feed, ['Fixture.Core', 'Fixture.Extra']);
      await writeFile(join(dir, 'packages.lock.json'), lock);
      expect((await lock2nix(dir, ['nuget'])).code).toBe(EXIT.ok);
      const before = await readFile(join(dir, 'lock2nix/nuget-packages-lock.json'), 'utf8');
      // unchanged: update reuses every pin and writes the same output
      expect((await lock2nix(dir, ['update', 'nuget'])).code).toBe(EXIT.ok);
      expect(await readFile(join(dir, 'lock2nix/nuget-packages-lock.json'), 'utf8')).toBe(before);
      const extra = feed.get('Fixture.Extra', '2.0.0');
      const changed = Buffer.alloc(64, 7).toString('base64');
      await writeFile(join(dir, 'packages.lock.json'), lock.replace(extra.contentHash, changed));
      const r = await lock2nix(dir, ['update', 'nuget']);
      expect(r.code).toBe(EXIT.failed);
      expect(r.stderr).toContain('Fixture.Extra 2.0.0');
      expect(r.stderr).toContain(`sha512-${changed}`);
      expect(await readFile(join(dir, 'lock2nix/nuget-packages-lock.json'), 'utf8')).toBe(before);
    } finally {
      await server.close();
    }
  }, 60_000);
});
