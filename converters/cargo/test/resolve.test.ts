// Resolving against the loopback fixture registries: config.json and dl templates (sparse and git index),
// tokens from the user's Cargo config, crates.io mirrors by source replacement, offline behaviour.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertText, FetchError, hexToSri, type NixData } from '@lock2nix/core';
import { startGitServer, startServer, testWithTools, type FixtureServer, type GitServer } from '@lock2nix/fixtures';
import { addGitIndexRegistry, addSparseRegistry, type CargoRegistry } from '../../../fixtures/src/registries/cargo.ts';
import { readCargoConfig } from '../src/config.ts';
import { cratesIoUrls, CRATES_IO_INDEX } from '../src/defaults.ts';
import { cargoConverter } from '../src/index.ts';
import { testContext } from './helpers.ts';

const CRATES = `registry+${CRATES_IO_INDEX}`;
let server: FixtureServer;
let priv: CargoRegistry;
let mirror: CargoRegistry;

beforeAll(async () => {
  server = await startServer();
  priv = addSparseRegistry(server, 'private', { authToken: 'Bearer s3cret', dl: '/{crate}/{version}/{sha256-checksum}' });
  mirror = addSparseRegistry(server, 'mirror', { dl: '' }); // no marker: cargo's /{crate}/{version}/download
  await priv.publish({ name: 'secret', version: '0.1.0' });
  await mirror.publish({ name: 'serde', version: '1.0.0' });
});
afterAll(async () => server.close());

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-proj-'));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

function lockOf(pkgs: { name: string; version: string; source?: string; checksum?: string }[], version = 4): string {
  return `version = ${version}\n\n${pkgs.map((p) => `[[package]]\nname = "${p.name}"\nversion = "${p.version}"\n${p.source ? `source = "${p.source}"\n` : ''}${p.checksum ? `checksum = "${p.checksum}"\n` : ''}`).join('\n')}`;
}

describe('alternative registries', () => {
  test('auth-required sparse registry: token from credentials.toml, dl with {sha256-checksum}, [registries] passed on', async () => {
    const c = priv.crate('secret', '0.1.0');
    const dir = project({ '.cargo/config.toml': `[registries.corp]\nindex = "${priv.configIndex}"\n[registries.unused]\nindex = "sparse+https://unused.example/"\n` });
    const ctx = testContext({ offline: false, projectDir: dir });
    mkdirSync(ctx.env.CARGO_HOME!, { recursive: true });
    writeFileSync(join(ctx.env.CARGO_HOME!, 'credentials.toml'), '[registries.corp]\ntoken = "Bearer s3cret"\n');
    const text = lockOf([{ name: 'app', version: '0.1.0' }, { name: 'secret', version: '0.1.0', source: priv.configIndex, checksum: c.cksum }]);
    const r = await convertText(cargoConverter, join(dir, 'Cargo.lock'), text, ctx);
    expect(r.artifacts).toHaveLength(1);
    const a = r.artifacts[0]!;
    expect(a.fetch).toMatchObject({ type: 'file', urls: [c.url], name: 'crate-secret-0.1.0.tar.gz' });
    expect(c.url).toContain(c.cksum);
    expect(a.pin).toEqual({ hash: hexToSri('sha256', c.cksum), by: 'download' });
    // defined in the project's own config: it travels with the source, so it is not repeated
    expect((r.meta as Record<string, NixData>).registries).toEqual({});
    expect(r.text).not.toContain('s3cret');
    expect(r.warnings.join('\n')).toMatch(/registry corp requires authentication for downloads/);
  });

  test('[registries] defined outside the project (user config, environment) are carried into the vendor config', async () => {
    const c = priv.crate('secret', '0.1.0');
    const ctx = testContext({ offline: false, projectDir: project({}), env: { CARGO_REGISTRIES_CORP_TOKEN: 'Bearer s3cret' } });
    mkdirSync(ctx.env.CARGO_HOME!, { recursive: true });
    writeFileSync(join(ctx.env.CARGO_HOME!, 'config.toml'), `[registries.corp]\nindex = "${priv.configIndex}"\n`);
    const r = await convertText(cargoConverter, '/p/Cargo.lock', lockOf([{ name: 'secret', version: '0.1.0', source: priv.configIndex, checksum: c.cksum }]), ctx);
    expect((r.meta as Record<string, NixData>).registries).toEqual({ corp: priv.configIndex });
    expect(r.text).not.toContain('s3cret');
  });

  test('without the token the registry refuses, and the error says where a token goes', async () => {
    const c = priv.crate('secret', '0.1.0');
    const text = lockOf([{ name: 'secret', version: '0.1.0', source: priv.configIndex, checksum: c.cksum }]);
    const ctx = testContext({ offline: false });
    await expect(convertText(cargoConverter, '/p/Cargo.lock', text, ctx)).rejects.toThrow(/HTTP 401.*credentials\.toml/);
    await expect(convertText(cargoConverter, '/p/Cargo.lock', text, ctx)).rejects.toBeInstanceOf(FetchError);
  });

  test('offline: the checksum is still the pin, the unknown address throws in Nix, and a warning says why', async () => {
    const c = priv.crate('secret', '0.1.0');
    const r = await convertText(cargoConverter, '/p/Cargo.lock', lockOf([{ name: 'secret', version: '0.1.0', source: priv.configIndex, checksum: c.cksum }]), testContext({ offline: true }));
    expect(r.artifacts[0]!.fetch).toMatchObject({ type: 'file', urls: [] });
    expect(r.artifacts[0]!.pin).toEqual({ hash: hexToSri('sha256', c.cksum), by: 'lockfile' });
    expect(r.warnings.join('\n')).toMatch(/config\.json.*--offline/);
  });

  testWithTools(['git'], 'git index registry: config.json read from the index repository', async () => {
    const git: GitServer = await startGitServer();
    try {
      const reg = addGitIndexRegistry(server, git, 'gitindex');
      const c = await reg.publish({ name: 'abc', version: '2.0.0' });
      const r = await convertText(cargoConverter, '/p/Cargo.lock', lockOf([{ name: 'abc', version: '2.0.0', source: `registry+${reg.index}`, checksum: c.cksum }]), testContext({ offline: false }));
      expect(r.artifacts[0]!.fetch).toMatchObject({ urls: [`${server.url}/gitindex/dl/abc/2.0.0/download`] });
      expect(r.artifacts[0]!.pin?.by).toBe('download');
    } finally {
      await git.close();
    }
  });
});

describe('crates.io', () => {
  const SUM = 'c1c6d463cbe7ed28720b5b489e7c083eeb8f90d08be2a0d6bb9e1ffea9ce1afa';
  test('the static host in both forms, pinned by the checksum offline', async () => {
    const r = await convertText(cargoConverter, '/p/Cargo.lock', lockOf([{ name: 'serde', version: '1.0.0', source: CRATES, checksum: SUM }]), testContext({ offline: true }));
    expect(r.artifacts[0]!.fetch).toEqual({ type: 'file', urls: cratesIoUrls('serde', '1.0.0'), name: 'crate-serde-1.0.0.tar.gz' });
    expect(r.artifacts[0]!.cachePath).toBe('crates-io/serde-1.0.0');
    expect(cratesIoUrls('serde', '1.0.0')[0]).toMatch(/^https:\/\/static\.crates\.io\/crates\/serde\/serde-1\.0\.0\.crate$/);
    expect((r.meta as Record<string, NixData>).userAgent).toMatch(/^lock2nix\//);
  });

  test('a mirror set up by source replacement in the user config comes first, and is verified', async () => {
    const c = mirror.crate('serde', '1.0.0');
    const ctx = testContext({ offline: false });
    mkdirSync(ctx.env.CARGO_HOME!, { recursive: true });
    writeFileSync(join(ctx.env.CARGO_HOME!, 'config.toml'), `[source.crates-io]\nreplace-with = "m"\n[source.m]\nregistry = "${mirror.configIndex}"\n`);
    const r = await convertText(cargoConverter, '/p/Cargo.lock', lockOf([{ name: 'serde', version: '1.0.0', source: CRATES, checksum: c.cksum }]), ctx);
    expect(r.artifacts[0]!.fetch).toMatchObject({ urls: [`${server.url}/mirror/dl/serde/1.0.0/download`, ...cratesIoUrls('serde', '1.0.0')] });
    expect(r.artifacts[0]!.pin?.by).toBe('download');
  });

  test('a wrong checksum is a hash mismatch naming the crate', async () => {
    // the registry itself (one candidate URL), so that no fallback to crates.io's host is tried
    const text = lockOf([{ name: 'serde', version: '1.0.0', source: mirror.configIndex, checksum: SUM }]);
    await expect(convertText(cargoConverter, '/p/Cargo.lock', text, testContext({ offline: false }))).rejects.toThrow(/serde 1\.0\.0.*mismatch/);
    expect(server.log.filter((l) => l.includes('/mirror/dl/serde/')).length).toBeGreaterThan(0);
  });
});

describe('sources', () => {
  test('same name and version from crates.io, an alternative registry and git: three entries', async () => {
    const SUM = 'a'.repeat(64);
    const text = lockOf([
      { name: 'x', version: '1.0.0', source: CRATES, checksum: SUM },
      { name: 'x', version: '1.0.0', source: 'sparse+https://alt.example/index/', checksum: 'b'.repeat(64) },
      { name: 'x', version: '1.0.0', source: `git+https://git.example/x?rev=abc1234#${'c'.repeat(40)}` },
    ]);
    const r = await convertText(cargoConverter, '/p/Cargo.lock', text, testContext({ offline: true }));
    expect(new Set(r.artifacts.map((a) => a.cachePath)).size).toBe(3);
    const git = r.artifacts.find((a) => a.fetch.type === 'git')!;
    expect(git.source).toMatchObject({ ref: 'rev=abc1234', rev: 'c'.repeat(40) });
    expect(git.fetch).toMatchObject({ rev: 'c'.repeat(40), url: 'https://git.example/x' });
  });

  test("crates.io's sparse spelling is crates.io too", async () => {
    const text = lockOf([
      { name: 'x', version: '1.0.0', source: CRATES, checksum: 'a'.repeat(64) },
      { name: 'y', version: '1.0.0', source: 'sparse+https://index.crates.io/', checksum: 'b'.repeat(64) },
    ]);
    const r = await convertText(cargoConverter, '/p/Cargo.lock', text, testContext({ offline: true }));
    expect(r.artifacts.map((a) => a.cachePath)).toEqual(['crates-io/x-1.0.0', 'crates-io/y-1.0.0']);
    expect(r.artifacts[1]!.fetch).toMatchObject({ urls: cratesIoUrls('y', '1.0.0') });
  });

  test('v2 git source without query: replaced both as default branch and as branch master', async () => {
    const text = lockOf([{ name: 'g', version: '0.1.0', source: `git+https://git.example/g#${'d'.repeat(40)}` }], 2).replace('version = 2\n', '');
    const r = await convertText(cargoConverter, '/p/Cargo.lock', text, testContext({ offline: true }));
    const sources = (r.meta as Record<string, Record<string, Record<string, NixData>>>).sources!;
    expect(Object.values(sources)).toEqual([{ type: 'git', git: 'https://git.example/g', alsoBranch: 'master' }]);
    const r4 = await convertText(cargoConverter, '/p/Cargo.lock', lockOf([{ name: 'g', version: '0.1.0', source: `git+https://git.example/g#${'d'.repeat(40)}` }]), testContext({ offline: true }));
    expect(Object.values((r4.meta as Record<string, Record<string, NixData>>).sources!)).toEqual([{ type: 'git', git: 'https://git.example/g' }]);
  });
});

describe('Cargo config', () => {
  test('nearer files win, CARGO_HOME last, environment over files, replacement chains', () => {
    const home = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-cfg-'));
    const root = project({
      '.cargo/config.toml': '[registries.a]\nindex = "sparse+https://outer.example/"\n[registries.b]\nindex = "https://b.example/git"\n',
      'sub/.cargo/config': '[registries.a]\nindex = "sparse+https://inner.example/"\n[source.crates-io]\nreplace-with = "hop"\n[source.hop]\nreplace-with = "b"\n',
    });
    writeFileSync(join(home, 'config.toml'), '[registries.c]\nindex = "sparse+https://c.example/"\n[registry]\ntoken = "t0"\n');
    const cfg = readCargoConfig(join(root, 'sub'), { CARGO_HOME: home, CARGO_REGISTRIES_C_TOKEN: 'tc', CARGO_REGISTRIES_NEW_ONE_INDEX: 'sparse+https://n.example/' });
    expect(Object.fromEntries(cfg.registries)).toEqual({ a: 'sparse+https://inner.example/', b: 'https://b.example/git', c: 'sparse+https://c.example/', 'new-one': 'sparse+https://n.example/' });
    expect(Object.fromEntries(cfg.tokens)).toEqual({ 'crates-io': 't0', c: 'tc' });
    expect(cfg.cratesIoReplacement).toEqual({ name: 'b', index: 'https://b.example/git' });
    expect(cfg.files).toHaveLength(3);
  });
});
