// Resolve against the loopback Simple API: JSON and HTML pages, relative links, files matched by name and
// sha256, yanked/deleted/changed files, credentials from Poetry's configuration, url/file/directory sources.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertText, createPrefetcher, silentReporter, type ConvertContext } from '@lock2nix/core';
import { nixEvalJson, startServer, TEMPLATES_DIR, TEST_PKGS, type FixtureServer } from '@lock2nix/fixtures';
import { makeSdist, makeWheel, servePypi, type PyFile, type PypiIndex } from '../../../fixtures/src/registries/pypi.ts';
import { poetryConverter } from '../src/index.ts';
import { parseSimpleHtml } from '../src/simple.ts';
import { cleanEnv, tempDir } from './support.ts';

let server: FixtureServer;
let index: PypiIndex;
let html: PypiIndex;
let privateIdx: PypiIndex;
let home: string;
const F: Record<string, PyFile> = {};

beforeAll(async () => {
  home = await tempDir('resolve');
  server = await startServer();
  index = servePypi(server, '/json');
  html = servePypi(server, '/html');
  html.format = 'html';
  privateIdx = servePypi(server, '/private');
  privateIdx.requireAuth = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
  F.a = makeWheel({ name: 'alpha', version: '1.0.0' });
  F.asd = makeSdist({ name: 'alpha', version: '1.0.0' });
  F.b1 = makeWheel({ name: 'Beta.Pkg', version: '1.0.0' });
  F.b2 = makeWheel({ name: 'Beta.Pkg', version: '2.0.0' });
  F.y = makeWheel({ name: 'yanked', version: '1.0.0' });
  F.g = makeWheel({ name: 'gone', version: '1.0.0' });
  F.p = makeWheel({ name: 'secret', version: '1.0.0' });
  for (const i of [index, html]) for (const f of [F.a, F.asd, F.b1, F.b2, F.y, F.g]) i.add(f!);
  privateIdx.add(F.p!);
  index.yank(F.y!.filename, 'broken build');
  html.yank(F.y!.filename);
  index.remove(F.g!.filename);
  html.remove(F.g!.filename);
});
afterAll(async () => {
  await server?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

function pkg(name: string, version: string, files: PyFile[], source?: string, extra = ''): string {
  return `[[package]]\nname = "${name}"\nversion = "${version}"\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = [\n${files.map((f) => `    {file = "${f.filename}", hash = "sha256:${f.sha256}"},\n`).join('')}]\n${extra}${source ? `\n[package.source]\ntype = "legacy"\nurl = "${source}"\nreference = "fixture"\n` : ''}\n`;
}
const META = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "0"\n';

async function convert(text: string, opts: { offline?: boolean; env?: Record<string, string>; dir?: string } = {}) {
  const dir = opts.dir ?? join(home, `p${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const prefetcher = createPrefetcher({ cacheDir: join(home, 'cache'), offline: Boolean(opts.offline), retries: 3, backoffMs: 1 });
  const ctx: ConvertContext = { projectDir: dir, offline: Boolean(opts.offline), prefetcher, reporter: silentReporter, env: { ...cleanEnv(home), ...(opts.env ?? {}) } };
  try {
    return await convertText(poetryConverter, join(dir, 'poetry.lock'), text, ctx);
  } finally {
    await prefetcher.close();
  }
}

describe('resolve against a Simple API', () => {
  test.each(['json', 'html'])('%s pages: every file gets its URL and a verified pin; duplicate versions', async (kind) => {
    const i = kind === 'json' ? index : html;
    const r = await convert(pkg('alpha', '1.0.0', [F.a!, F.asd!], i.url) + pkg('Beta.Pkg', '1.0.0', [F.b1!], i.url) + pkg('beta-pkg', '2.0.0', [F.b2!], i.url) + META);
    expect(r.unpinned).toEqual([]);
    const byFile = Object.fromEntries(r.artifacts.map((a) => [a.cachePath, a]));
    expect(Object.keys(byFile).sort()).toEqual([F.a!.filename, F.asd!.filename, F.b1!.filename, F.b2!.filename].sort());
    for (const f of [F.a!, F.asd!, F.b1!, F.b2!]) {
      const a = byFile[f.filename]!;
      expect(a.fetch).toMatchObject({ type: 'file', urls: [i.fileUrl(f.filename)] });
      expect(a.pin).toEqual({ hash: `sha256-${Buffer.from(f.sha256, 'hex').toString('base64')}`, by: 'lockfile' });
    }
    // wheels are pinned from the lock without a download (Nix fetches lazily); the sdist is read for its backend
    const prefix = kind === 'json' ? '/json/files/' : '/html/files/';
    const fetched = server.log.filter((l) => l.startsWith(`GET ${prefix}`)).map((l) => decodeURIComponent(l.split('/').pop()!));
    if (kind === 'json') expect(fetched).toContain(F.asd!.filename); // the html run finds it in the cache
    expect(fetched).not.toContain(F.a!.filename);
    expect(r.text).toContain('"beta-pkg@1.0.0"');
    expect(r.text).toContain('"beta-pkg@2.0.0"');
    // the sdist's build requirement is looked up on the same index (no setuptools here: a warning)
    expect(r.warnings.join('\n')).toMatch(/alpha 1\.0\.0: build requirement setuptools>=70\.1 is not on/);
  });

  test('index faults: a passing 503 is retried; a lasting one is an error naming the package and page', async () => {
    const text = pkg('gamma-x', '1.0.0', [F.b1!], index.url) + pkg('alpha', '1.0.0', [F.a!], index.url) + META;
    server.fault('/json/simple/alpha/', { kind: 'status', status: 503, times: 1 });
    const r = await convert(pkg('alpha', '1.0.0', [F.a!], index.url) + META);
    expect(r.unpinned).toEqual([]);
    server.clearFaults();
    server.fault('/json/simple/alpha/', { kind: 'status', status: 503 });
    const err = await convert(text).then(() => undefined, (e: Error) => e);
    server.clearFaults();
    expect(err?.message).toMatch(/alpha 1\.0\.0: .*\/json\/simple\/alpha\/.*503/);
  });

  test('a file whose name is spelled differently in the lock is found by sha256', async () => {
    const renamed = { ...F.b1!, filename: 'Beta.Pkg-1.0.0-py3-none-any.whl' };
    const r = await convert(pkg('beta.pkg', '1.0.0', [renamed], index.url) + META);
    expect(r.artifacts[0]!.fetch).toMatchObject({ urls: [index.fileUrl(F.b1!.filename)] });
    expect(r.artifacts[0]!.cachePath).toBe('Beta.Pkg-1.0.0-py3-none-any.whl');
  });

  test('yanked, deleted and changed files are errors naming package and file; never a guessed URL', async () => {
    const changed = { ...F.a!, sha256: 'f'.repeat(64) };
    const text = pkg('yanked', '1.0.0', [F.y!], index.url) + pkg('gone', '1.0.0', [F.g!], index.url) + pkg('alpha', '1.0.0', [changed], index.url) + pkg('nosuch', '1.0', [{ ...F.a!, filename: 'nosuch-1.0-py3-none-any.whl' }], index.url) + META;
    const err = await convert(text).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/4 locked files cannot be found/);
    expect(err?.message).toMatch(/yanked 1\.0\.0: yanked-1\.0\.0-py3-none-any\.whl was yanked from .* \(broken build\)/);
    expect(err?.message).toMatch(/gone 1\.0\.0: gone-1\.0\.0-py3-none-any\.whl is not on .* any more/);
    expect(err?.message).toMatch(/alpha 1\.0\.0: alpha-1\.0\.0-py3-none-any\.whl: the index states sha256 [0-9a-f]{64}, the lockfile f{64}/);
    expect(err?.message).toMatch(/nosuch 1\.0: the index .* has no project nosuch/);
  });

  test('credentials for a legacy source come from Poetry (env and auth.toml), never into the output', async () => {
    const text = pkg('secret', '1.0.0', [F.p!], privateIdx.url) + META;
    const denied = await convert(text).then(() => undefined, (e: Error) => e);
    expect(denied?.message).toMatch(/refused .*HTTP 401/);
    const r = await convert(text, { env: { POETRY_HTTP_BASIC_FIXTURE_USERNAME: 'alice', POETRY_HTTP_BASIC_FIXTURE_PASSWORD: 's3cret' } });
    expect(r.unpinned).toEqual([]);
    expect(r.text).not.toContain('s3cret');
    const cfg = join(home, 'poetry-auth');
    await mkdir(cfg, { recursive: true });
    await writeFile(join(cfg, 'auth.toml'), '[http-basic.fixture]\nusername = "alice"\npassword = "s3cret"\n');
    const r2 = await convert(text, { env: { POETRY_CONFIG_DIR: cfg } });
    expect(r2.unpinned).toEqual([]);
  });

  test('packages without a source use the index-url of pip\'s configuration, with its credentials kept out of the output', async () => {
    const conf = join(home, 'pip.conf');
    const authed = privateIdx.url.replace('http://', 'http://alice:s3cret@');
    await writeFile(conf, `[global]\nindex-url = ${authed}\n`);
    const text = pkg('secret', '1.0.0', [F.p!]) + META;
    const r = await convert(text, { env: { PIP_CONFIG_FILE: conf } });
    expect(r.unpinned).toEqual([]);
    expect(r.artifacts[0]!.fetch).toMatchObject({ urls: [privateIdx.fileUrl(F.p!.filename)] });
    expect(r.text).not.toContain('s3cret');
    expect(r.text).not.toContain('alice');
    // and a legacy source on that host takes the same credentials
    const r2 = await convert(pkg('secret', '1.0.0', [F.p!], privateIdx.url) + META, { env: { PIP_EXTRA_INDEX_URL: authed } });
    expect(r2.unpinned).toEqual([]);
  });

  test('url, file and directory sources; files = [] reported; offline entries unpinned', async () => {
    const url = index.fileUrl(F.a!.filename);
    const text = `[[package]]\nname = "alpha"\nversion = "1.0.0"\npython-versions = "*"\ngroups = ["main"]\nfiles = [{file = "${F.a!.filename}", hash = "sha256:${F.a!.sha256}"}]\n\n[package.source]\ntype = "url"\nurl = "${url}"\n\n` +
      `[[package]]\nname = "localdir"\nversion = "0.1"\npython-versions = "*"\ngroups = ["main"]\nfiles = []\ndevelop = true\n\n[package.source]\ntype = "directory"\nurl = "../localdir"\n\n` +
      `[[package]]\nname = "empty"\nversion = "1"\npython-versions = "*"\ngroups = ["main"]\nfiles = []\n\n` + META;
    const r = await convert(text, { offline: true });
    const byKey = Object.fromEntries(r.artifacts.map((a) => [a.key, a]));
    expect(byKey[F.a!.filename]!.pin).toEqual({ hash: `sha256-${Buffer.from(F.a!.sha256, 'hex').toString('base64')}`, by: 'lockfile' });
    expect(byKey['localdir@0.1:directory']!.fetch).toEqual({ type: 'none', reason: 'local directory ../localdir (relative to the lockfile\'s folder)' });
    expect(r.warnings.join('\n')).toMatch(/empty 1: the lockfile lists no files for it/);
    expect(r.text).toContain('"broken": "empty 1 has no files in the lockfile');
  });

  test('an sdist whose build backend has only platform wheels: all Linux/macOS ones pinned, the builder keeps the fitting one', async () => {
    const sd = makeSdist({ name: 'needsnative', version: '1.0', buildRequires: ['nativebackend>=1'] });
    index.add(sd);
    const tags = ['cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp38-abi3-macosx_11_0_arm64', 'cp38-abi3-win_amd64'];
    for (const tag of tags) index.add(makeWheel({ name: 'nativebackend', version: '1.2', tag, requires: ['helperlib'] }));
    index.add(makeWheel({ name: 'nativebackend', version: '0.9' }));
    index.add(makeWheel({ name: 'helperlib', version: '3.0' }));
    const dir = join(home, 'native');
    const r = await convert(pkg('needsnative', '1.0', [sd], index.url) + META, { dir });
    expect(r.warnings).toEqual([]);
    const meta = r.meta as { buildRequires: Record<string, string[]> };
    expect(meta.buildRequires[sd.filename]).toEqual([
      'helperlib-3.0-py3-none-any.whl',
      'nativebackend-1.2-cp38-abi3-macosx_11_0_arm64.whl',
      'nativebackend-1.2-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    ]);
    await writeFile(join(dir, 'poetry.json'), r.text);
    const files = (system: string) => nixEvalJson<string[]>(`((import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/poetry.nix { lock = builtins.fromJSON (builtins.readFile ${join(dir, 'poetry.json')}); targetSystem = "${system}"; pythonVersion = "3.11"; }).files`);
    expect((await files('x86_64-linux')).sort()).toEqual(['helperlib-3.0-py3-none-any.whl', 'nativebackend-1.2-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', sd.filename]);
    expect((await files('aarch64-darwin')).sort()).toEqual(['helperlib-3.0-py3-none-any.whl', 'nativebackend-1.2-cp38-abi3-macosx_11_0_arm64.whl', sd.filename]);
  });

  test('HTML parsing: relative links, entities, base tag, fragments', () => {
    const files = parseSimpleHtml('<html><head><base href="/files/"></head><body><a href="../x/a-1.0.tar.gz#sha256=' + 'A'.repeat(64) + '" data-requires-python="&gt;=3.8" data-yanked>a-1.0.tar.gz</a><a href=\'b%2Bc-1-py3-none-any.whl\'>b+c-1-py3-none-any.whl</a></body></html>', 'http://h/simple/a/');
    expect(files).toEqual([
      { filename: 'a-1.0.tar.gz', url: 'http://h/x/a-1.0.tar.gz', sha256: 'a'.repeat(64), yanked: true, requiresPython: '>=3.8' },
      { filename: 'b+c-1-py3-none-any.whl', url: 'http://h/files/b%2Bc-1-py3-none-any.whl', yanked: false },
    ]);
  });
});

describe('resolve: bad sources', () => {
  test('a legacy source that is not an http(s) URL is a LockfileError with the line', async () => {
    const text = `[[package]]\nname = "a"\nversion = "1"\nfiles = [{file = "a-1.tar.gz", hash = "sha256:${'a'.repeat(64)}"}]\n\n[package.source]\ntype = "legacy"\nurl = "ftp://mirror/simple"\nreference = "m"\n\n${META}`;
    const err = await convert(text).then(() => undefined, (e: Error) => e);
    expect(err?.name).toBe('LockfileError');
    expect(err?.message).toMatch(/poetry\.lock:1: a 1: source url "ftp:\/\/mirror\/simple" is not an http\(s\) index URL/);
  });
});
