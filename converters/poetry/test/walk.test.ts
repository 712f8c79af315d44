// Locks older than 2.1 record no groups: the builder walks the graph from the pyproject.toml roots. Edges
// with markers, optional dependencies switched on by extras (of the root and of dependencies), and two
// versions of one name told apart by their constraints.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { convertText } from '@lock2nix/core';
import { nixEvalJson, testWithTools, TEMPLATES_DIR, TEST_PKGS } from '@lock2nix/fixtures';
import { poetryConverter } from '../src/index.ts';
import { context, tempDir } from './support.ts';

const H = (n: number) => n.toString(16).padStart(64, '0');
let n = 0;
function pkg(name: string, version: string, deps = '', extras = '', optional = false): string {
  n++;
  return `[[package]]\nname = "${name}"\nversion = "${version}"\noptional = ${optional}\npython-versions = "*"\nfiles = [{file = "${name.replace(/-/g, '_')}-${version}-py3-none-any.whl", hash = "sha256:${H(n)}"}]\n${deps ? `\n[package.dependencies]\n${deps}\n` : ''}${extras ? `\n[package.extras]\n${extras}\n` : ''}\n`;
}

const LOCK = [
  pkg('app-lib', '1.0', 'numpy = [\n    {version = "<2", markers = "python_version < \\"3.10\\""},\n    {version = ">=2", markers = "python_version >= \\"3.10\\""},\n]\ncoverage = {version = ">=7", extras = ["toml"]}\ncolorama = {version = "*", markers = "sys_platform == \\"win32\\""}'),
  pkg('numpy', '1.26.4'),
  pkg('numpy', '2.1.0'),
  pkg('coverage', '7.6.0', 'tomli = {version = "*", optional = true, markers = "python_full_version <= \\"3.11.0a6\\" and extra == \\"toml\\""}', 'toml = ["tomli"]'),
  pkg('tomli', '2.0.1'),
  pkg('colorama', '0.4.6'),
  pkg('gamma', '1.0', '', '', true),
  pkg('devtool', '1.0', 'sub-dep = "^1.0"'),
  pkg('sub-dep', '1.5'),
  '[extras]\nfast = ["gamma"]\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.9"\ncontent-hash = "0"\n',
].join('');

const PYPROJECT = `[tool.poetry]\nname = "x"\nversion = "0"\ndescription = ""\nauthors = []\n\n[tool.poetry.dependencies]\npython = "^3.9"\napp-lib = "^1.0"\ngamma = {version = "^1.0", optional = true}\n\n[tool.poetry.extras]\nfast = ["gamma"]\n\n[tool.poetry.group.dev.dependencies]\ndevtool = "*"\n`;

let home: string;
beforeAll(async () => { home = await tempDir('walk'); });
afterAll(async () => { await rm(home, { recursive: true, force: true }); });

describe('graph walk for lock-version < 2.1', () => {
  testWithTools(['nix-instantiate'], 'markers, extras and duplicate versions', async () => {
    const dir = join(home, 'p');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pyproject.toml'), PYPROJECT);
    const ctx = await context({ offline: true, projectDir: dir, home });
    const r = await convertText(poetryConverter, join(dir, 'poetry.lock'), LOCK, ctx).finally(() => ctx.close());
    await writeFile(join(dir, 'poetry.json'), r.text);
    const sel = (system: string, py: string, args = '{ }') => nixEvalJson<string[]>(
      `((import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/poetry.nix ({ lock = builtins.fromJSON (builtins.readFile ${join(dir, 'poetry.json')}); targetSystem = "${system}"; pythonVersion = "${py}"; } // ${args})).selectedPackages`,
    );
    expect(await sel('x86_64-linux', '3.9.18')).toEqual(['app-lib@1.0', 'coverage@7.6.0', 'numpy@1.26.4', 'tomli@2.0.1']);
    expect(await sel('x86_64-linux', '3.12.1')).toEqual(['app-lib@1.0', 'coverage@7.6.0', 'numpy@2.1.0']);
    expect(await sel('x86_64-linux', '3.11.0')).toEqual(['app-lib@1.0', 'coverage@7.6.0', 'numpy@2.1.0']);
    expect(await sel('aarch64-darwin', '3.10.0', '{ groups = [ "main" "dev" ]; extras = [ "fast" ]; }')).toEqual(['app-lib@1.0', 'coverage@7.6.0', 'devtool@1.0', 'gamma@1.0', 'numpy@2.1.0', 'sub-dep@1.5', 'tomli@2.0.1']);
    expect(await sel('x86_64-linux', '3.12.1', '{ groups = [ "dev" ]; }')).toEqual(['devtool@1.0', 'sub-dep@1.5']);
    // without pyproject.toml there are no roots: a clear evaluation error, and a warning at conversion
    const bare = join(home, 'bare');
    await mkdir(bare, { recursive: true });
    const ctx2 = await context({ offline: true, projectDir: bare, home });
    const r2 = await convertText(poetryConverter, join(bare, 'poetry.lock'), LOCK, ctx2).finally(() => ctx2.close());
    expect(r2.warnings.join()).toMatch(/no pyproject\.toml next to the lockfile/);
    await writeFile(join(bare, 'poetry.json'), r2.text);
    await expect(nixEvalJson(`((import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/poetry.nix { lock = builtins.fromJSON (builtins.readFile ${join(bare, 'poetry.json')}); pythonVersion = "3.11"; }).selectedPackages`))
      .rejects.toThrow(/records no groups; convert it with pyproject\.toml next to poetry\.lock/);
  });
});
