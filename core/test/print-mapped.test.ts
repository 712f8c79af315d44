// printNixMapped (what renderDataReport prints with, stripping credentials on the way) must give exactly the
// text of printNix on a deep copy made with stripCredentialsDeep, and report a change exactly when that does:
// names that strip to the same one, `__proto__` names, holes, undefined values and errors included.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NixExpr, printNix, printNixMapped, stripCredentials, stripCredentialsDeep, type NixData } from '../src/index.ts';

const PIECES = ['https://', 'http://', 'git+https://', 'ssh://', 'git+ssh://', 'u:p@', 'tok@', '@', '/', ':', 'host', '${', '$', '"', '\\', '\n', '\t', ' ', 'a', '__proto__', 'or', '-', '\0', '\ud800', 'é', '😀', "'", '<>@', '1'];
const text = fc.oneof(fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((a) => a.join('')), fc.string());
const leaf: fc.Arbitrary<NixData | undefined> = fc.oneof(
  text, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.double(),
  text.map((s) => new NixExpr(`throw ${JSON.stringify(s)}`)),
);
/** own enumerable properties exactly as given (a `__proto__` name included), in the given order */
function attrs(entries: [string, unknown][]): NixData {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o as NixData;
}
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('set')),
  list: fc.array(tie('tree'), { maxLength: 4 }).map((a) => {
    if (a.length > 2) delete a[1]; // a hole
    return a;
  }),
  set: fc.array(fc.tuple(text, tie('tree')), { maxLength: 5 }).map(attrs),
}));

function outcome(f: () => string): string {
  try {
    return `ok:${f()}`;
  } catch (e) {
    return `error:${(e as Error).constructor.name}:${(e as Error).message}`;
  }
}

describe('printNixMapped', () => {
  test('prints what printNix prints for the stripCredentialsDeep copy, and flags the same changes', () => {
    fc.assert(
      fc.property(tree, (v) => {
        let deepChanged = false;
        const expected = outcome(() => {
          const r = stripCredentialsDeep(v as NixData);
          deepChanged = r.changed;
          return `# h\n${printNix(r.value)}\n`;
        });
        let changed = false;
        const actual = outcome(() => printNixMapped(v as NixData, (s) => {
          const t = stripCredentials(s);
          if (t !== s) changed = true;
          return t;
        }, '# h\n', '\n'));
        expect(actual).toBe(expected);
        if (expected.startsWith('ok:')) expect(changed).toBe(deepChanged);
      }),
      { numRuns: 3000, seed: 8 },
    );
  });

  test('names that strip alike keep the last value; a __proto__ name is dropped as a copy drops it', () => {
    const strip = (s: string) => stripCredentials(s);
    expect(printNixMapped(attrs([['https://u:p@h/x', 1], ['https://h/x', 2]]), strip)).toBe('{\n  "https://h/x" = 2;\n}');
    expect(printNixMapped(attrs([['https://h/x', 2], ['https://u:p@h/x', undefined]]), strip)).toBe('{ }');
    expect(printNixMapped(attrs([['__proto__', 'x'], ['a', 'https://t@h/']]), strip)).toBe('{\n  a = "https://h/";\n}');
  });
});
