// Parsing details: version normalisation, exact ranges, entry types, unions over targets, and errors that
// name the file and the line of the offending entry.

import { describe, expect, test } from 'vitest';
import { LockfileError } from '@lock2nix/core';
import { parseNuget } from '../src/index.ts';
import { exactVersion, normalizeVersion } from '../src/version.ts';

const H1 = Buffer.alloc(64, 1).toString('base64');
const H2 = Buffer.alloc(64, 2).toString('base64');

describe('version normalisation', () => {
  test.each([
    ['1.0', '1.0.0'],
    ['1.0.0.0', '1.0.0'],
    ['1.2.3.4', '1.2.3.4'],
    ['01.2.3', '1.2.3'],
    ['1.0.0-Beta.1+sha.abc', '1.0.0-Beta.1'],
    ['1.0.01-rc', '1.0.1-rc'],
    ['2', '2.0.0'],
  ])('%s -> %s', (v, want) => expect(normalizeVersion(v)).toBe(want));
  test.each(['', 'a.b', '1.2.3.4.5', '1.0-', '1.0.0-beta..1', '99999999999.0'])('%s is not a version', (v) => expect(normalizeVersion(v)).toBeUndefined());
  test('exact ranges', () => {
    expect(exactVersion('[34.0.147, 34.0.147]')).toBe('34.0.147');
    expect(exactVersion('[1.0]')).toBe('1.0.0');
    expect(exactVersion('[1.0.0, 2.0.0]')).toBeUndefined();
    expect(exactVersion('1.0.0')).toBeUndefined();
  });
});

function lockText(version: number, deps: Record<string, Record<string, unknown>>): string {
  return `${JSON.stringify({ version, dependencies: deps }, null, 2)}\n`;
}

function errorOf(f: () => unknown): LockfileError {
  try {
    f();
  } catch (e) {
    if (e instanceof LockfileError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('packages.lock.json', () => {
  test('v2 with every entry type; union over targets; versions normalised; Project skipped', () => {
    const text = lockText(2, {
      'net8.0': {
        'Foo.Bar': { type: 'Direct', requested: '[1.0, )', resolved: '1.0', contentHash: H1, dependencies: { Baz: '2.0.0' } },
        Baz: { type: 'Transitive', resolved: '2.0.0-RC.1', contentHash: H2 },
        Central: { type: 'CentralTransitive', requested: '[3.0.0, )', resolved: '3.0.0', contentHash: H1 },
        myproject: { type: 'Project', dependencies: { 'Foo.Bar': '[1.0.0, )' } },
      },
      'net8.0/linux-x64': {
        'runtime.linux-x64.Thing': { type: 'Transitive', resolved: '4.3.0', contentHash: H2 },
        'foo.bar': { type: 'Direct', requested: '[1.0, )', resolved: '1.0.0', contentHash: H1 },
      },
    });
    const plan = parseNuget('/p/packages.lock.json', text);
    expect(plan.formatVersion).toBe(2);
    expect(plan.packages.map((p) => [p.id, p.version, p.lowerId, p.lowerVersion])).toEqual([
      ['Baz', '2.0.0-RC.1', 'baz', '2.0.0-rc.1'],
      ['Central', '3.0.0', 'central', '3.0.0'],
      ['Foo.Bar', '1.0.0', 'foo.bar', '1.0.0'],
      ['runtime.linux-x64.Thing', '4.3.0', 'runtime.linux-x64.thing', '4.3.0'],
    ]);
    expect(plan.projects).toEqual(['myproject']);
    expect(plan.runtimes).toEqual(['linux-x64']);
    expect(plan.targets).toEqual(['net8.0', 'net8.0/linux-x64']);
  });

  test('errors name the line of the entry', () => {
    const text = lockText(1, { 'net8.0': { Good: { type: 'Direct', resolved: '1.0.0', contentHash: H1 }, Bad: { type: 'Transitive', resolved: 'one', contentHash: H1 } } });
    const e = errorOf(() => parseNuget('/p/packages.lock.json', text));
    expect(e.file).toBe('/p/packages.lock.json');
    expect(text.split('\n')[e.line! - 1]).toContain('"resolved": "one"');
    expect(e.reason).toContain('not a valid NuGet version');
    const e2 = errorOf(() => parseNuget('/p/packages.lock.json', lockText(1, { x: { A: { type: 'Transitive', resolved: '1.0.0', contentHash: 'abc' } } })));
    expect(e2.line).toBe(8); // the "contentHash" line
    expect(errorOf(() => parseNuget('/p/packages.lock.json', lockText(3, {}))).reason).toContain('unsupported packages.lock.json version 3');
    expect(errorOf(() => parseNuget('/p/packages.lock.json', '{\n  "version": 1,\n  "dependencies": {,}\n}')).line).toBe(3);
    const bad = errorOf(() => parseNuget('/p/packages.lock.json', lockText(1, { x: { '../evil': { type: 'Direct', resolved: '1.0.0', contentHash: H1 } } })));
    expect(bad.reason).toContain('not a valid NuGet package id');
    expect(errorOf(() => parseNuget('/p/packages.lock.json', lockText(1, { x: { A: { type: 'Weird', resolved: '1.0.0' } } }))).reason).toContain('unknown entry type');
  });

  test('two targets resolving different versions of one id keep both versions', () => {
    const text = lockText(1, { 'net6.0': { A: { type: 'Direct', resolved: '1.0.0', contentHash: H1 } }, 'net8.0': { A: { type: 'Direct', resolved: '2.0.0', contentHash: H2 } } });
    expect(parseNuget('/p/packages.lock.json', text).packages.map((p) => `${p.id}/${p.version}`)).toEqual(['A/1.0.0', 'A/2.0.0']);
  });

  test('absurd nesting is a LockfileError, not a stack overflow', () => {
    expect(errorOf(() => parseNuget('/p/packages.lock.json', `{"version":1,"dependencies":${'['.repeat(200000)}`)).reason).toContain('nested too deeply');
  });

  test('one package with two content hashes is refused', () => {
    const text = lockText(1, { a: { A: { type: 'Direct', resolved: '1.0.0', contentHash: H1 } }, b: { A: { type: 'Direct', resolved: '1.0.0', contentHash: H2 } } });
    expect(errorOf(() => parseNuget('/p/packages.lock.json', text)).reason).toContain('different content hashes');
  });
});

describe('project.assets.json', () => {
  const assets = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      version: 3,
      targets: { 'net8.0': { 'A/1.0.0': { type: 'package' }, 'Lib/1.0.0': { type: 'project' } }, 'net8.0/linux-x64': { 'A/1.0.0': { type: 'package' } } },
      libraries: {
        'A/1.0.0': { sha512: H1, type: 'package', path: 'a/1.0.0', files: ['.signature.p7s', 'a.nuspec'] },
        'Lib/1.0.0': { type: 'project', path: '../Lib/Lib.csproj', msbuildProject: '../Lib/Lib.csproj' },
      },
      project: {
        restore: { projectName: 'App', sources: { 'C:\\local': {}, 'https://feed.example/v3/index.json': {} } },
        frameworks: { 'net8.0': { downloadDependencies: [{ name: 'Microsoft.NETCore.App.Runtime.linux-x64', version: '[8.0.1, 8.0.1]' }, { name: 'A', version: '[1.0.0, 1.0.0]' }] } },
        runtimes: { 'linux-x64': { '#import': [] } },
      },
      ...over,
    }, null, 2);

  test('libraries of type package, projects skipped, packs added once, sources in order', () => {
    const plan = parseNuget('/p/obj/project.assets.json', `\uFEFF${assets()}`);
    expect(plan.packages.map((p) => [p.id, p.version, p.role, p.signed, p.contentHash])).toEqual([
      ['A', '1.0.0', 'library', true, H1],
      ['Microsoft.NETCore.App.Runtime.linux-x64', '8.0.1', 'pack', undefined, undefined],
    ]);
    expect(plan.projects).toEqual(['Lib']);
    expect(plan.sources).toEqual(['C:\\local', 'https://feed.example/v3/index.json']);
    expect(plan.projectName).toBe('App');
  });

  test('errors: version, a target using an unknown library, a non-exact pack', () => {
    expect(errorOf(() => parseNuget('/p/obj/project.assets.json', assets({ version: 2 }))).reason).toContain('unsupported project.assets.json version 2');
    const text = assets({ targets: { 'net8.0': { 'B/2.0.0': { type: 'package' } } } });
    const e = errorOf(() => parseNuget('/p/obj/project.assets.json', text));
    expect(text.split('\n')[e.line! - 1]).toContain('"B/2.0.0"');
    const t2 = assets({ project: { frameworks: { 'net8.0': { downloadDependencies: [{ name: 'P', version: '[1.0.0, )' }] } } } });
    const e2 = errorOf(() => parseNuget('/p/obj/project.assets.json', t2));
    expect(e2.reason).toContain('not one exact version');
    expect(t2.split('\n')[e2.line! - 1]).toContain('{');
  });
});
