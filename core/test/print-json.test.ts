// The JSON printer of the data file (format 3): the layout of JSON.stringify(…, null, 2) with sorted keys, the
// credential mapping exactly as a deep copy, and the real Nix's builtins.fromJSON reading every string back as
// it was (what it cannot, a NUL or a lone surrogate, is refused before anything is written).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import { Lock2nixError, NixExpr, printJson, stripCredentials, stripCredentialsDeep, type NixData } from '../src/index.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-json-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A deep copy with every object's keys in code point order and undefined values left out. */
function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) Object.defineProperty(out, k, { value: sortedDeep(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const TRICKY = ['${', '$', '\\', '"', '\n', '\r', '\t', '\x01', '\x1b', '\x7f', '\u0085', '\u2028', '\uFEFF', '😀', '\u{10FFFF}', 'é', '/', '</script>', '__proto__', 'https://u:p@h/x', ' '];
const text = fc.array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', maxLength: 3 }).map((s) => s.replaceAll('\0', '').toWellFormed())), { maxLength: 10 }).map((a) => a.join(''));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.maxSafeInteger(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(text, fc.oneof(tie('value'), fc.constant(undefined))), { maxLength: 4 }).map((es) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of es) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
}));

describe('printJson', () => {
  test('is JSON.stringify(…, null, 2) of the sorted data, with a trailing newline', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(printJson(v as NixData)).toBe(`${JSON.stringify(sortedDeep(v), null, 2)}\n`);
      }),
      { numRuns: 2000, seed: 3 },
    );
    expect(printJson({ b: [], a: {}, c: undefined })).toBe('{\n  "a": {},\n  "b": []\n}\n');
  });

  test('top-level order, then the rest sorted; nested keys sorted', () => {
    const text = printJson({ z: 1, artifacts: { b: 1, a: 2 }, format: 3, generated: 'g', meta: undefined }, { order: ['generated', 'format', 'meta', 'artifacts'] });
    expect(text).toBe('{\n  "generated": "g",\n  "format": 3,\n  "artifacts": {\n    "a": 2,\n    "b": 1\n  },\n  "z": 1\n}\n');
  });

  test('mapping prints what the stripCredentialsDeep copy prints', () => {
    fc.assert(
      fc.property(value, (v) => {
        const copy = stripCredentialsDeep(v as NixData).value;
        expect(printJson(v as NixData, { map: stripCredentials })).toBe(printJson(copy));
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  test('refuses what Nix cannot read back: NUL, lone surrogates, non-integers, Nix expressions', () => {
    for (const bad of ['a\0b', 'x\ud800', '\udc00y']) {
      expect(() => printJson({ a: bad })).toThrow(Lock2nixError);
      expect(() => printJson({ [bad]: 1 })).toThrow(Lock2nixError);
    }
    expect(() => printJson({ a: 1.5 })).toThrow(Lock2nixError);
    expect(() => printJson({ a: new NixExpr('throw "x"') })).toThrow(Lock2nixError);
  });

  testWithTools(['nix-instantiate'], "builtins.fromJSON reads 300 random values and long strings back unchanged", async () => {
    const values = fc.sample(value, { numRuns: 300, seed: 11 }) as NixData[];
    const long = 'é😀\x01"\\'.repeat(400_000);
    const data = { values, long, tricky: TRICKY, keys: Object.fromEntries(TRICKY.map((k, i) => [k, i])) };
    const f = join(work, 'data.json');
    await writeFile(f, printJson(data));
    const out = await runNix('nix-instantiate', ['--eval', '--strict', '--json', '-E', `builtins.fromJSON (builtins.readFile ${f})`]);
    expect(JSON.parse(out)).toEqual(sortedDeep(data));
  });
});
