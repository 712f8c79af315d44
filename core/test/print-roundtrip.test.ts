// The printer against the real Nix: random strings, attribute names and nested data go through printNix and
// `nix-instantiate --eval --strict --json` and must come back unchanged. Hundreds of values per nix call.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import { Lock2nixError, nixAttrName, nixString, nixThrow, printNix, type NixData } from '../src/index.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-print-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let n = 0;
async function evalJson(expr: string): Promise<unknown> {
  const f = join(work, `e${n++}.nix`);
  await writeFile(f, expr);
  return JSON.parse(await runNix('nix-instantiate', ['--eval', '--strict', '--json', f]));
}

/** Pieces that are special somewhere in Nix's lexer: interpolation, indented strings, escapes, line ends. */
const TRICKY = ['${', '$', '$$', '$${', '\\${', "''", "'''", "''$", "''\\", '\\', '\\\\', '"', '\\"', '\n', '\r', '\r\n', '\t', '{', '}', '#', '/*', '*/', '\x01', '\x1b', '\x7f', '\u0085', '\u2028', '\uFEFF', '😀', '\u{10FFFF}', '\uFFFD', 'é', '${x}', '${"', '$\n', ' ', ';', '=', '.'];
const tricky = fc.constantFrom(...TRICKY);
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0');
/** strings made of tricky pieces, any code point (astral included) and ASCII controls */
const nixText = fc.array(fc.oneof(tricky, anyChar, fc.string({ unit: 'binary-ascii', maxLength: 3 }).map((s) => s.replaceAll('\0', ''))), { maxLength: 12 }).map((a) => a.join(''));
/** attribute names: identifiers, keywords, near-identifiers and arbitrary text */
const attrName = fc.oneof(
  fc.constantFrom('if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or', '__curPos', 'true', 'false', 'null', '__proto__', 'constructor', "a'", "a''", "a'''", 'a-', '-a', "'a", '0', '1a', 'a.b', '', ' ', 'A_b-c\'9', '__functor'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_'-]{0,8}$/),
  nixText,
);

function obj(entries: [string, NixData][]): { [k: string]: NixData } {
  const o = Object.create(null) as { [k: string]: NixData };
  for (const [k, v] of entries) o[k] = v;
  return o;
}

describe('printNix round trip through nix-instantiate', () => {
  testWithTools(['nix-instantiate'], '800 random strings come back unchanged', async () => {
    const strings = fc.sample(nixText, { numRuns: 800, seed: 20261121 });
    for (const needle of ['${', '\r', "''", '\\', '"', '\n', '\x01']) expect(strings.filter((x) => x.includes(needle)).length).toBeGreaterThan(5);
    expect(strings.filter((x) => /[\u{10000}-\u{10FFFF}]/u.test(x)).length).toBeGreaterThan(50);
    strings.push(...TRICKY, TRICKY.join(''), '', "''${x}''", '$'.repeat(5) + '{', '\\'.repeat(7) + '${');
    expect(await evalJson(printNix(strings))).toEqual(strings);
  });

  testWithTools(['nix-instantiate'], '600 random attribute names come back unchanged', async () => {
    const names = [...new Set(fc.sample(attrName, { numRuns: 600, seed: 7 }))];
    const o = obj(names.map((k, i) => [k, i]));
    const back = (await evalJson(printNix(o))) as Record<string, number>;
    expect(Object.keys(back).sort()).toEqual([...names].sort());
    for (const [i, k] of names.entries()) expect(back[k]).toBe(i);
    // bare names are used for identifiers only
    expect(nixAttrName('abc')).toBe('abc');
    expect(nixAttrName('or')).toBe('"or"');
    expect(nixAttrName('a b')).toBe('"a b"');
  });

  testWithTools(['nix-instantiate'], '150 random nested values (sets, lists, strings, integers, booleans, null) come back unchanged', async () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        nixText,
        fc.maxSafeInteger(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.uniqueArray(fc.tuple(attrName, tie('value')), { maxLength: 4, selector: (t) => t[0] }).map((es) => obj(es as [string, NixData][])),
      ),
    }));
    const values = fc.sample(value, { numRuns: 150, seed: 99 }) as NixData[];
    values.push(Number.MIN_SAFE_INTEGER, -1, [], obj([]), [[-3, -4], obj([['x', -5]])]);
    const back = await evalJson(printNix(values));
    expect(back).toEqual(JSON.parse(JSON.stringify(values)));
  });

  testWithTools(['nix-instantiate'], 'a throw inside a list stays one element', async () => {
    const t = join(work, 'throw.nix');
    await writeFile(t, `builtins.length ${printNix(['a', nixThrow('no hash for "x" ${y}'), 'b'])}`);
    expect(JSON.parse(await runNix('nix-instantiate', ['--eval', '--json', t]))).toBe(3);
    const msg = join(work, 'msg.nix');
    await writeFile(msg, `(builtins.tryEval (${nixThrow('x').code})).success`);
    expect(JSON.parse(await runNix('nix-instantiate', ['--eval', '--json', msg]))).toBe(false);
  });
});

describe('what Nix strings cannot hold', () => {
  test('NUL and lone surrogates are refused with a Lock2nixError, in values and in attribute names', () => {
    for (const bad of ['a\0b', '\0', 'x\uD800', '\uDC00y', '\uDFFF\uD800']) {
      expect(() => nixString(bad)).toThrow(Lock2nixError);
      expect(() => printNix([bad])).toThrow(Lock2nixError);
      expect(() => printNix(obj([[bad, 1]]))).toThrow(Lock2nixError);
      expect(() => nixThrow(bad)).toThrow(Lock2nixError);
    }
    expect(() => printNix(1.5)).toThrow(Lock2nixError);
    expect(() => printNix(2 ** 53)).toThrow(Lock2nixError);
  });
  test('any well-formed string without NUL prints', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      if (s.includes('\0')) expect(() => nixString(s)).toThrow(Lock2nixError);
      else expect(nixString(s)).toMatch(/^".*"$/s);
    }), { numRuns: 500 });
  });
});
