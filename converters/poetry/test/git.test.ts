// A git source in a subdirectory of its repository: NAR-pinned at resolved_reference, its build backend read
// from that subdirectory and pinned from the project's index, installed by the builder from the subdirectory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertText, createPrefetcher, silentReporter } from '@lock2nix/core';
import { nixBuildExpr, startGitServer, startServer, testWithTools, TEMPLATES_DIR, TEST_PKGS, type FixtureServer, type GitServer } from '@lock2nix/fixtures';
import { makeWheel, servePypi, type PypiIndex } from '../../../fixtures/src/registries/pypi.ts';
import { poetryConverter } from '../src/index.ts';
import { cleanEnv, tempDir } from './support.ts';

const BACKEND_WHEELS = fileURLToPath(new URL('../../../.tools/poetry-wheels', import.meta.url));
const HOST_PYTHON = '/usr/bin/python3';
let server: FixtureServer;
let index: PypiIndex;
let git: GitServer;
let home: string;

beforeAll(async () => {
  home = await tempDir('git');
  server = await startServer();
  index = servePypi(server);
  git = await startGitServer();
});
afterAll(async () => {
  await server?.close();
  await git?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('git sources', () => {
  const backend = existsSync(BACKEND_WHEELS) ? readdirSync(BACKEND_WHEELS).find((n) => n.startsWith('setuptools-')) : undefined;
  if (!backend) test.skip('git sources [skipped: no setuptools wheel in .tools/poetry-wheels (run scripts/setup.sh)]', () => undefined);
  else testWithTools(['git', 'nix-build', HOST_PYTHON], 'a git dependency in a subdirectory and a local directory: pinned, their backends pinned, built and installed', async () => {
    const bytes = readFileSync(join(BACKEND_WHEELS, backend));
    index.add({ filename: backend, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    const dep = makeWheel({ name: 'beta', version: '1.0.0' });
    index.add(dep);
    const rev = await git.commit('mono', {
      'README': 'a monorepo\n',
      'pkgs/subpkg/pyproject.toml': '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "subpkg"\nversion = "0.2.0"\n\n[tool.setuptools]\npackages = ["subpkg"]\n',
      'pkgs/subpkg/subpkg/__init__.py': 'WHERE = "subdirectory"\n',
    });
    const dir = join(home, 'project');
    await mkdir(join(home, 'localdir', 'localdir'), { recursive: true });
    await writeFile(join(home, 'localdir', 'pyproject.toml'), '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "localdir"\nversion = "0.1"\n');
    await writeFile(join(home, 'localdir', 'localdir', '__init__.py'), 'LOCAL = True\n');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pyproject.toml'), `[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = "fixture"\nurl = "${index.url}"\npriority = "primary"\n`);
    const lock = `[[package]]\nname = "subpkg"\nversion = "0.2.0"\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = []\ndevelop = false\n\n[package.source]\ntype = "git"\nurl = "${git.url}/mono"\nreference = "HEAD"\nresolved_reference = "${rev}"\nsubdirectory = "pkgs/subpkg"\n\n` +
      `[[package]]\nname = "beta"\nversion = "1.0.0"\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = [{file = "${dep.filename}", hash = "sha256:${dep.sha256}"}]\n\n[package.source]\ntype = "legacy"\nurl = "${index.url}"\nreference = "fixture"\n\n` +
      `[[package]]\nname = "localdir"\nversion = "0.1"\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = []\ndevelop = true\n\n[package.source]\ntype = "directory"\nurl = "../localdir"\n\n` +
      '[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "0"\n';
    const prefetcher = createPrefetcher({ cacheDir: join(home, 'cache') });
    const r = await convertText(poetryConverter, join(dir, 'poetry.lock'), lock, { projectDir: dir, offline: false, prefetcher, reporter: silentReporter, env: cleanEnv(home) }).finally(() => prefetcher.close());
    const g = r.artifacts.find((a) => a.fetch.type === 'git')!;
    expect(g.fetch).toMatchObject({ type: 'git', url: `${git.url}/mono`, rev });
    expect(g.pin?.by).toBe('download');
    expect((r.meta as { buildRequires: Record<string, string[]> }).buildRequires[g.key]).toEqual([backend]);
    expect((r.meta as { buildRequires: Record<string, string[]> }).buildRequires['localdir@0.1:directory']).toEqual([backend]);
    await writeFile(join(dir, 'poetry.json'), r.text);
    const version = (await promisify(execFile)(HOST_PYTHON, ['-c', 'import platform; print(platform.python_version())'])).stdout.trim();
    const env = await nixBuildExpr(`((import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/poetry.nix { lock = builtins.fromJSON (builtins.readFile ${join(dir, 'poetry.json')}); pythonVersion = "${version}"; localSources = { localdir = ${join(home, 'localdir')}; }; }).install`);
    const out = await promisify(execFile)(join(env, 'bin/python'), ['-c', 'import subpkg, beta, localdir; print(subpkg.WHERE, localdir.LOCAL)'], { env: cleanEnv(home) });
    expect(out.stdout.trim()).toBe('subdirectory True');
  }, 600_000);
});
