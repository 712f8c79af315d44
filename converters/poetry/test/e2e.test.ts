// End to end: a loopback Simple API with generated wheels (pure, platform-tagged, abi3), one setuptools
// sdist and a real setuptools wheel; a git dependency on the loopback git daemon; the real Poetry 2 locks a
// project with groups, an extra and a marker; `lock2nix poetry`; nix-build of the wheelhouse and of the
// virtual environment pip installs from it (--no-index, --require-hashes); the packages import.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nixBuildExpr, startGitServer, startServer, testWithTools, TEST_PKGS, type FixtureServer, type GitServer } from '@lock2nix/fixtures';
import { makeSdist, makeWheel, servePypi, type PypiIndex, type PyFile } from '../../../fixtures/src/registries/pypi.ts';
import { cleanEnv, PROJECTS, tempDir } from './support.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'cli/bin/lock2nix.js');
const BACKEND_WHEELS = join(ROOT, '.tools/poetry-wheels');
const HOST_PYTHON = '/usr/bin/python3';

let server: FixtureServer;
let index: PypiIndex;
let gitServer: GitServer;
let home: string;
let hostPythonVersion = '';
let glibc = '2.28';

function publishAll(): void {
  const add = (f: PyFile) => index.add(f);
  add(makeWheel({ name: 'alpha', version: '1.0.0', requires: ['beta>=1.0', 'winonly>=1.0 ; sys_platform == "win32"'] }));
  add(makeWheel({ name: 'beta', version: '0.9.0' }));
  add(makeWheel({ name: 'beta', version: '1.0.0' }));
  add(makeWheel({ name: 'gamma', version: '1.0.0' }));
  for (const tag of ['cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp38-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64', 'cp38-abi3-macosx_11_0_arm64', 'cp38-abi3-win_amd64', 'cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64']) {
    add(makeWheel({ name: 'delta', version: '1.0.0', tag, files: { 'delta/__init__.py': `TAG = ${JSON.stringify(tag)}\n` } }));
  }
  add(makeSdist({ name: 'epsilon', version: '1.0.0', requires: ['beta>=1.0'], buildRequires: ['setuptools>=70.1'] }));
  add(makeWheel({ name: 'winonly', version: '1.0.0' }));
  add(makeWheel({ name: 'devtool', version: '1.0.0' }));
  for (const f of readdirSync(BACKEND_WHEELS).filter((n) => n.endsWith('.whl'))) {
    index.add({ filename: f, ...readWheel(join(BACKEND_WHEELS, f)) });
  }
}

function readWheel(path: string): { bytes: Buffer; sha256: string } {
  const bytes = readFileSync(path);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

beforeAll(async () => {
  home = await tempDir('e2e');
  server = await startServer();
  index = servePypi(server);
  gitServer = await startGitServer();
  if (existsSync(HOST_PYTHON)) hostPythonVersion = (await run(HOST_PYTHON, ['-c', 'import platform; print(platform.python_version())'])).stdout.trim();
  glibc = (await run('getconf', ['GNU_LIBC_VERSION']).catch(() => ({ stdout: 'glibc 2.28' }))).stdout.trim().split(' ')[1] ?? '2.28';
});
afterAll(async () => {
  await server?.close();
  await gitServer?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${(err.stderr ?? err.message).slice(-6000)}`);
  }
}

const SCENARIOS = [
  { tool: 'poetry', project: 'app', lockVersion: '2.1', what: 'Poetry 2 lock (2.1: groups and markers)' },
  { tool: 'poetry1', project: 'app-legacy', lockVersion: '2.0', what: 'Poetry 1.8 lock (2.0: graph walk from pyproject roots)' },
] as const;

let published = false;
let rev = '';
async function publishOnce(): Promise<void> {
  if (published) return;
  published = true;
  publishAll();
  rev = await gitServer.commit('gitdep', {
    'pyproject.toml': '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "gitdep"\nversion = "0.3.0"\ndependencies = ["beta>=1.0"]\n\n[tool.setuptools]\npackages = ["gitdep"]\n',
    'gitdep/__init__.py': 'FROM = "git"\n',
  });
}

describe('poetry end to end', () => {
  const haveBackend = existsSync(BACKEND_WHEELS) && readdirSync(BACKEND_WHEELS).some((n) => n.startsWith('setuptools-'));
  if (!haveBackend) {
    const why = `skipped: no setuptools wheel in ${BACKEND_WHEELS} (run scripts/setup.sh)`;
    console.log(`poetry end to end: ${why}`);
    test.skip(`poetry end to end [${why}]`, () => undefined);
  }
  for (const sc of haveBackend ? SCENARIOS : []) {
  testWithTools([sc.tool, 'nix-build', 'git', HOST_PYTHON], `${sc.what} -> lock2nix poetry -> nix-build wheelhouse -> pip install --no-index, imports work`, async () => {
    await publishOnce();
    const project = join(home, sc.project);
    await mkdir(project, { recursive: true });
    const template = await readFile(join(PROJECTS, sc.project, 'pyproject.toml'), 'utf8');
    await writeFile(join(project, 'pyproject.toml'), template.replaceAll('@INDEX@', index.url).replaceAll('@GIT@', gitServer.url));
    const env = cleanEnv(join(home, `home-${sc.project}`), { POETRY_SYSTEM_GIT_CLIENT: 'true', POETRY_EXPERIMENTAL_SYSTEM_GIT_CLIENT: 'true', NO_COLOR: '1' });
    await sh(sc.tool, ['lock'], project, env);
    const lockText = await readFile(join(project, 'poetry.lock'), 'utf8');
    expect(lockText).toContain(`lock-version = "${sc.lockVersion}"`);
    expect(lockText).toContain(rev);
    // lock2nix poetry, through the real command line; the lock is fresh (content-hash as Poetry computes it)
    const cliOut = await new Promise<string>((done, fail) => {
      execFile(process.execPath, [CLI, 'poetry', '--out', 'nix'], { cwd: project, env }, (e, _o, stderr) => (e ? fail(new Error(stderr)) : done(stderr)));
    });
    expect(cliOut).not.toMatch(/not fresh/);
    const pyproject = await readFile(join(project, 'pyproject.toml'), 'utf8');
    await writeFile(join(project, 'pyproject.toml'), pyproject.replace('devtool = "^1.0"', 'devtool = "^1.0"\nextra-thing = "*"'));
    const stale = await new Promise<string>((done) => {
      execFile(process.execPath, [CLI, 'poetry', '--out', 'stale-nix', '--offline'], { cwd: project, env }, (_e, _o, stderr) => done(stderr));
    });
    expect(stale).toMatch(/warning: poetry\.lock is not fresh/);
    await writeFile(join(project, 'pyproject.toml'), pyproject);
    const out = join(project, 'nix');
    const data = await readFile(join(out, 'poetry.json'), 'utf8');
    expect(data).not.toContain('"unpinned"');
    expect(data).toContain('setuptools-');
    // same input, same bytes
    await sh(process.execPath, [CLI, 'poetry', '--out', 'nix', '--check'], project, env);

    const call = (args: string) => `(let pkgs = import ${TEST_PKGS} { }; in pkgs.callPackage ${out}/lib/poetry.nix ({ lock = builtins.fromJSON (builtins.readFile ${out}/poetry.json); pythonVersion = ${JSON.stringify(hostPythonVersion)}; libcVersion = ${JSON.stringify(glibc)}; } // ${args}))`;
    const wheelhouse = await nixBuildExpr(call('{ groups = [ "main" "dev" ]; extras = [ "fast" ]; }'));
    const files = (await readdir(wheelhouse)).sort();
    expect(files).toEqual([
      'alpha-1.0.0-py3-none-any.whl',
      'beta-1.0.0-py3-none-any.whl',
      'delta-1.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'delta-1.0.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'devtool-1.0.0-py3-none-any.whl',
      'epsilon-1.0.0.tar.gz',
      'gamma-1.0.0-py3-none-any.whl',
      'requirements.txt',
      expect.stringMatching(/^setuptools-.*-py3-none-any\.whl$/),
    ]);
    const reqs = await readFile(join(wheelhouse, 'requirements.txt'), 'utf8');
    expect(reqs).toMatch(/^epsilon==1\.0\.0 --hash=sha256:[0-9a-f]{64}$/m);
    expect(reqs).not.toContain('winonly');

    // pip install --no-index into a fresh virtual environment, outside Nix
    const venv = join(home, `venv-${sc.project}`);
    await sh(HOST_PYTHON, ['-m', 'venv', venv], home, env);
    await sh(join(venv, 'bin/python'), ['-m', 'pip', 'install', '--no-index', '--find-links', wheelhouse, '--require-hashes', '-r', join(wheelhouse, 'requirements.txt')], home, env);
    const imported = await sh(join(venv, 'bin/python'), ['-c', 'import alpha, beta, delta, epsilon, gamma, devtool; print(delta.TAG, epsilon.VERSION)'], home, env);
    expect(imported.trim()).toBe('cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64 1.0.0');

    // the builder's own environment, built by Nix: with the git dependency
    const env2 = await nixBuildExpr(`${call('{ }')}.install`);
    const check = await sh(join(env2, 'bin/python'), ['-c', 'import alpha, beta, delta, epsilon, gitdep; print(gitdep.FROM)\ntry:\n import gamma\nexcept ImportError: print("no gamma")\ntry:\n import devtool\nexcept ImportError: print("no devtool")'], home, env);
    expect(check.trim().split('\n')).toEqual(['git', 'no gamma', 'no devtool']);
  }, 1_200_000);
  }
});
