// The parser on hand-written locks: lock versions, unknown keys, odd files, bad input with file:line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { testWithTools } from '@lock2nix/fixtures';
import { pyJsonDumps } from '../src/contenthash.ts';
import { LockfileError } from '@lock2nix/core';
import { parse, detect } from '../src/parse.ts';
import { parseMarker, parseRequirement } from '../src/markers.ts';
import { normalizeName, parseDistFile } from '../src/names.ts';
import { poetryToPep440, satisfiesConstraint } from '../src/constraint.ts';

const H = (c: string) => c.repeat(64);

function fails(text: string, line: number | undefined, re: RegExp): void {
  try {
    parse('/x/poetry.lock', text);
  } catch (e) {
    expect(e).toBeInstanceOf(LockfileError);
    expect((e as LockfileError).line).toBe(line);
    expect((e as LockfileError).reason).toMatch(re);
    return;
  }
  throw new Error('no error');
}

describe('parse', () => {
  test('lock-version 2.1: groups, string and per-group markers, unknown keys tolerated', () => {
    const l = parse('/x/poetry.lock', `
[[package]]
name = "Backports.Tarfile"
version = "1.2.0"
optional = false
python-versions = ">=3.8"
groups = ["main", "dev"]
upload-time = "2024-01-01"
files = [
    {file = "backports.tarfile-1.2.0-py3-none-any.whl", hash = "sha256:${H('a')}", size = 3},
    {file = "backports_tarfile-1.2.0.tar.gz", hash = "sha256:${H('B')}"},
]
markers = {main = "python_version < \\"3.12\\"", dev = "os_name == 'nt'"}

[package.future-table]
x = 1

[metadata]
lock-version = "2.1"
python-versions = "^3.10"
content-hash = "abc"
brand-new-key = true
`).native;
    expect(l.lockVersion).toBe('2.1');
    const p = l.packages[0]!;
    expect(p.normName).toBe('backports-tarfile');
    expect(p.groups).toEqual(['main', 'dev']);
    expect(p.markers).toEqual({ main: 'python_version < "3.12"', dev: "os_name == 'nt'" });
    expect(p.files.map((f) => f.hex)).toEqual([H('a'), H('b')]);
  });

  test('lock-version 1.1: files from [metadata.files], split between duplicate versions by parsed version', () => {
    const l = parse('/x/poetry.lock', `
[[package]]
name = "six"
version = "1.0"
category = "main"
optional = false
python-versions = "*"

[[package]]
name = "six"
version = "1.0.1"
category = "dev"
optional = false
python-versions = "*"

[metadata]
lock-version = "1.1"
python-versions = "*"
content-hash = "x"

[metadata.files]
Six = [
    {file = "six-1.0-py3-none-any.whl", hash = "sha256:${H('1')}"},
    {file = "six-1.0.1-py3-none-any.whl", hash = "sha256:${H('2')}"},
    {file = "six-1.0.1.tar.gz", hash = "sha256:${H('3')}"},
    {file = "six-9.9.tar.gz", hash = "sha256:${H('4')}"},
]
`).native;
    expect(l.packages.map((p) => [p.version, p.files.map((f) => f.file)])).toEqual([
      ['1.0', ['six-1.0-py3-none-any.whl']],
      ['1.0.1', ['six-1.0.1-py3-none-any.whl', 'six-1.0.1.tar.gz']],
    ]);
    expect(l.notes.join()).toMatch(/six-9\.9\.tar\.gz matches none of the locked versions/);
  });

  test('lock-version 1.1: a bad entry of [metadata.files] is reported at its key\'s line (plain and quoted keys)', () => {
    const lock = (files: string) => `[[package]]
name = "backports.cached-property"
version = "1.0"
optional = false
python-versions = "*"

[metadata]
lock-version = "1.1"
python-versions = "*"
content-hash = "x"

[metadata.files]
six = [
    {file = "six-1.0-py3-none-any.whl", hash = "sha256:${H('1')}"},
]
${files}`;
    fails(lock(`"backports.cached-property" = [\n    {file = "b-1.0.tar.gz"},\n]\n`), 16, /metadata\.files\.backports\.cached-property: every entry needs a file and a hash/);
    fails(lock(`pathspec = [\n    {file = "pathspec-1.0-py3-none-any.whl", hash = "md5:abc"},\n]\n`), 16, /unsupported hash "md5:abc"/);
  });

  test('files = [] is kept (reported at resolve time), identical duplicate files merged', () => {
    const l = parse('/x/poetry.lock', `[[package]]
name = "a"
version = "1"
files = []

[[package]]
name = "b"
version = "1"
files = [{file = "b-1.tar.gz", hash = "sha256:${H('c')}"}, {file = "b-1.tar.gz", hash = "sha256:${H('c')}"}]

[metadata]
lock-version = "2.0"
`).native;
    expect(l.packages[0]!.files).toEqual([]);
    expect(l.packages[1]!.files).toHaveLength(1);
  });

  test('bad input is a LockfileError with the line', () => {
    fails('[[package]\n', 1, /invalid TOML/);
    fails('[metadata]\nhashes = { a = [] }\n', 1, /Poetry 0\.12/);
    fails('[metadata]\nlock-version = "3.0"\n', 1, /not supported/);
    fails('\n[[package]]\nname = "a"\n\n[metadata]\nlock-version = "2.0"\n', 2, /a has no version/);
    fails('[[package]]\nname = "a"\nversion = "1"\nfiles = [{file = "a.whl", hash = "md5:00"}]\n[metadata]\nlock-version = "2.0"\n', 1, /unsupported hash/);
    fails('[[package]]\nname = "a"\nversion = "1"\nfiles = [{file = "../a.whl", hash = "sha256:' + H('a') + '"}]\n[metadata]\nlock-version = "2.0"\n', 1, /not a plain file name/);
    fails('[[package]]\nname = "a"\nversion = "1"\n[package.source]\ntype = "git"\nurl = "x"\nreference = "main"\n[metadata]\nlock-version = "2.0"\n', 1, /resolved_reference/);
    fails('[[package]]\nname = "a"\nversion = "1"\n[package.source]\ntype = "svn"\nurl = "x"\n[metadata]\nlock-version = "2.0"\n', 1, /unknown source type/);
  });

  test('detect', () => {
    expect(detect('poetry.lock', '[[package]]\nname="a"')).toBe(true);
    expect(detect('Cargo.lock', '[[package]]')).toBe(false);
  });
});

describe('names, markers, constraints', () => {
  test('file names', () => {
    expect(normalizeName('Zope.Interface__x')).toBe('zope-interface-x');
    expect(parseDistFile('numpy-1.26.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toEqual({
      kind: 'wheel', name: 'numpy', version: '1.26.0', tags: { python: ['cp311'], abi: ['cp311'], platform: ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'] },
    });
    expect(parseDistFile('python-dateutil-2.8.2.tar.gz')).toEqual({ kind: 'sdist', name: 'python-dateutil', version: '2.8.2' });
    expect(parseDistFile('torch-2.0.1+cpu-cp310-cp310-linux_x86_64.whl')?.version).toBe('2.0.1+cpu');
    expect(parseDistFile('x-1.0-1abc-py3-none-any.whl')?.build).toBe('1abc');
    expect(parseDistFile('pywin32-1.exe')).toBeUndefined();
  });

  test('markers', () => {
    expect(parseMarker('python_version < "3.12" and (os_name == \'nt\' or "linux" in sys_platform)')).toEqual({
      all: [
        { cmp: '<', l: { var: 'python_version' }, r: { lit: '3.12' } },
        { any: [{ cmp: '==', l: { var: 'os_name' }, r: { lit: 'nt' } }, { cmp: 'in', l: { lit: 'linux' }, r: { var: 'sys_platform' } }] },
      ],
    });
    expect(parseMarker('extra not in "a"')).toEqual({ cmp: 'not in', l: { var: 'extra' }, r: { lit: 'a' } });
    expect(() => parseMarker('python_version <')).toThrow(/marker/);
    expect(() => parseMarker('foo == "1"')).toThrow(/unknown marker variable/);
    expect(parseRequirement('virtualenv (>=20.17) ; python_version >= "3.10"')).toMatchObject({ name: 'virtualenv', specifier: '>=20.17' });
    expect(parseRequirement('coverage[toml]>=5')).toMatchObject({ name: 'coverage', extras: ['toml'], specifier: '>=5' });
  });

  test('Poetry constraints', () => {
    expect(poetryToPep440('^1.2.3')).toEqual(['>=1.2.3,<2']);
    expect(poetryToPep440('^0.2')).toEqual(['>=0.2,<0.3']);
    expect(poetryToPep440('~1.2.3')).toEqual(['>=1.2.3,<1.3']);
    expect(poetryToPep440('>=1,<2 || 3.1')).toEqual(['>=1,<2', '==3.1']);
    expect(satisfiesConstraint('1.10.0', '^1.2')).toBe(true);
    expect(satisfiesConstraint('2.0.0', '^1.2')).toBe(false);
    expect(satisfiesConstraint('1.0.1', '1.0')).toBe(false);
    expect(satisfiesConstraint('3.0', '*')).toBe(true);
  });
});

describe('content-hash serialisation', () => {
  testWithTools(['python3'], 'pyJsonDumps writes what Python json.dumps(sort_keys=True) writes', async () => {
    const value = { b: ['é', 'tab\there', 'quote"\\', '\u0001', '😀'], a: { z: true, y: null, x: 3, w: 1.5 }, 'ü-key': [] };
    const { stdout } = await promisify(execFile)('python3', ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), sort_keys=True))', JSON.stringify(value)]);
    expect(pyJsonDumps(value)).toBe(stdout);
  });
});
