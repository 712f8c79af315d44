// Broken lockfiles, made at random from a real one: the converter either reads them or throws a
// LockfileError naming the file (and a line inside it), never anything else.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { convertText, Lock2nixError, LockfileError } from '@lock2nix/core';
import { cargoConverter } from '../src/index.ts';
import { testContext } from './helpers.ts';

const FILE = fileURLToPath(new URL('../../../fixtures/corpus/cargo/dog-v2-git/Cargo.lock', import.meta.url));
const TEXT = readFileSync(FILE, 'utf8');
const LINES = TEXT.split('\n').length;

const mutation = fc.oneof(
  fc.nat({ max: TEXT.length }).map((n) => TEXT.slice(0, n)), // truncated
  fc.tuple(fc.nat({ max: TEXT.length - 1 }), fc.constantFrom('"', '[', ']', '=', '\n', '#', 'x', '\\', '%', ' ', '{')).map(([i, c]) => TEXT.slice(0, i) + c + TEXT.slice(i + 1)), // one character replaced
  fc.tuple(fc.nat({ max: TEXT.length }), fc.nat({ max: 400 })).map(([i, n]) => TEXT.slice(0, i) + TEXT.slice(i + n)), // a piece cut out
);

test('random damage gives a LockfileError with a line, or a conversion', async () => {
  const ctx = testContext({ offline: true });
  await fc.assert(
    fc.asyncProperty(mutation, async (text) => {
      try {
        await convertText(cargoConverter, FILE, text, ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(Lock2nixError);
        if (e instanceof LockfileError) {
          expect(e.file).toBe(FILE);
          if (e.line !== undefined) expect(e.line).toBeGreaterThanOrEqual(1);
          if (e.line !== undefined) expect(e.line).toBeLessThanOrEqual(LINES + 1);
        }
      }
    }),
    { numRuns: 300, seed: 20261121 },
  );
});
