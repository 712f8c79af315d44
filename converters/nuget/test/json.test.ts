// JSON with positions (src/json.ts): the value is JSON.parse's, and the line of an entry is the one jsonc-parser's
// syntax tree gives (the oracle below, how lines were found before), for the entries of the corpus's lockfiles and
// for paths that go nowhere. Also: mutated texts are taken exactly when JSON.parse takes them, `__proto__` and
// repeated keys, nesting too deep for a recursive parser.

import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { describe, expect, test } from 'vitest';
import { LockfileError } from '@lock2nix/core';
import { parseNuget } from '../src/index.ts';
import { isObject, parseJson, type JsonPath } from '../src/json.ts';

const CORPUS = new URL('../../../fixtures/corpus/nuget/', import.meta.url);

/** The line of the entry at the longest prefix of `path` that exists, from jsonc-parser's tree. */
function oracleLine(text: string, root: Node, path: JsonPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n));
    if (!node) continue;
    const at = node.parent?.type === 'property' ? node.parent : node;
    return text.slice(0, at.offset).split('\n').length;
  }
  return 1;
}

/** Paths to every entry down to `depth` levels, plus some that go nowhere. */
function pathsOf(value: unknown, depth: number, prefix: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [prefix];
  if (depth === 0) return out;
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, depth - 1, [...prefix, i])));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, depth - 1, [...prefix, k]));
  return out;
}

const files = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`${d.name}/`, CORPUS)).map((f) => `${d.name}/${f}`));

describe('lines of entries', () => {
  test.each(files)('%s: the value JSON.parse gives, and every entry within 5 levels on the line the syntax tree gives', (name) => {
    const text = readFileSync(new URL(name, CORPUS), 'utf8');
    const doc = parseJson(name, text);
    expect(doc.value).toEqual(JSON.parse(text));
    const root = parseTree(text)!;
    const paths = pathsOf(doc.value, 5);
    const nowhere: JsonPath[] = [['nope'], ['libraries', 'nope'], ['targets', 'x', 'y'], ['project', 'frameworks', 'zz', 'downloadDependencies', 99], ['version', 0], [0], ['dependencies', -1]];
    // a sample of the deep ones keeps the oracle (a tree search per path) quick
    const step = Math.max(1, Math.floor(paths.length / 3000));
    let checked = 0;
    for (const p of [...paths.filter((_, i) => i % step === 0), ...nowhere]) {
      expect(doc.line(p), JSON.stringify(p)).toBe(oracleLine(text, root, p));
      checked++;
    }
    expect(checked).toBeGreaterThan(Math.min(paths.length, 100));
  });

  test('a byte-order mark, lines after the first', () => {
    const text = '\ufeff{\n  "version": 1,\n  "dependencies": {\n    "net8.0": {}\n  }\n}\n';
    const doc = parseJson('/p/packages.lock.json', text);
    expect(doc.line(['dependencies', 'net8.0'])).toBe(4);
    expect(doc.line(['dependencies', 'net8.0', 'Missing'])).toBe(4);
    expect(doc.line([])).toBe(1);
  });
});

describe('mutated, hostile and broken texts', () => {
  test('mutated texts: taken exactly when JSON.parse takes them, with its value; else a LockfileError with a line', () => {
    // a small whole lockfile: the corpus's first two entries of its first target
    const lock = JSON.parse(readFileSync(new URL('blis-ng-lockv1-win-x64/packages.lock.json', CORPUS), 'utf8')) as { version: number; dependencies: Record<string, Record<string, unknown>> };
    const [tfm, deps] = Object.entries(lock.dependencies)[0]!;
    const seed = JSON.stringify({ version: lock.version, dependencies: { [tfm]: Object.fromEntries(Object.entries(deps).slice(0, 2)) } }, null, 2);
    const piece = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\u00', '0', '-', '.', 'e', 'true', 'nul', ' ', '\n', '\t', '\f', '\u00a0', '\ufeff', '\u0001', '/', '*', 'é');
    const edit = fc.tuple(fc.nat(), fc.nat(3), piece);
    let taken = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let t = seed;
        for (const [at, cut, p] of edits) {
          const i = at % (t.length + 1);
          t = t.slice(0, i) + p + t.slice(i + cut);
        }
        let want: unknown;
        let ok = true;
        try {
          want = JSON.parse(t.charCodeAt(0) === 0xfeff ? t.slice(1) : t);
        } catch {
          ok = false;
        }
        try {
          const doc = parseJson('/p/packages.lock.json', t);
          expect(ok).toBe(true);
          expect(doc.value).toEqual(want);
          taken++;
        } catch (e) {
          if (!(e instanceof LockfileError)) throw e;
          expect(ok).toBe(false);
          expect(e.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000, seed: 20261121 },
    );
    expect(taken).toBeGreaterThan(0);
  });

  test('broken JSON: the error jsonc-parser names, on its line', () => {
    const e = (() => {
      try {
        parseJson('/p/packages.lock.json', '{\n  "version": 1,\n  "dependencies": {\n    "net8.0": {,}\n  }\n}');
      } catch (err) {
        return err;
      }
    })() as LockfileError;
    expect(e).toBeInstanceOf(LockfileError);
    expect(e.line).toBe(4);
    expect(e.reason).toMatch(/^not valid JSON: /);
  });

  test('`__proto__` is a key like any other, and a repeated key is its last, as JSON.parse has them', () => {
    const text = `{"libraries":{"__proto__": {"type": "package"},\n"A/1.0.0": {"type": "x"},\n"A/1.0.0": {"type": "package"}}}`;
    const doc = parseJson('/p/project.assets.json', text);
    const libs = (doc.value as { libraries: Record<string, unknown> }).libraries;
    expect(Object.keys(libs)).toEqual(['__proto__', 'A/1.0.0']);
    expect(Object.getPrototypeOf(libs)).toBe(Object.prototype);
    expect(libs['A/1.0.0']).toEqual({ type: 'package' });
    expect(doc.line(['libraries', '__proto__'])).toBe(1);
    expect(doc.line(['libraries', 'A/1.0.0'])).toBe(3);
  });

  test('nesting too deep: closed, an error on its entry; unclosed, the parser\'s own limit; never a stack overflow', () => {
    const deep = `${'['.repeat(200000)}${']'.repeat(200000)}`;
    const closed = () => parseNuget('/p/packages.lock.json', `{"version":1,"dependencies":{"net8.0":${deep}}}`);
    expect(closed).toThrow(LockfileError);
    const assets = () => parseNuget('/p/obj/project.assets.json', `{"version":3,"targets":{},"libraries":{"A/1.0.0":${deep}},"project":{"restore":{"sources":{"s":${deep}}}}}`);
    expect(assets).toThrow(LockfileError);
    expect(() => parseNuget('/p/packages.lock.json', `{"version":1,"dependencies":${'['.repeat(200000)}`)).toThrow(/nested too deeply/);
  });
});
