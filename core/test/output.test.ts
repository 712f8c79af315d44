import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { checkFiles, diffSummary, StaleOutputError, writeFilesAtomic } from '../src/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-out-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('output', () => {
  test('writes every file, creating folders', async () => {
    await writeFilesAtomic(new Map([[join(dir, 'a.nix'), 'A'], [join(dir, 'lib', 'b.nix'), 'B']]));
    expect(await readFile(join(dir, 'a.nix'), 'utf8')).toBe('A');
    expect(await readFile(join(dir, 'lib', 'b.nix'), 'utf8')).toBe('B');
    expect((await readdir(dir)).sort()).toEqual(['a.nix', 'lib']);
  });

  test('a text given in pieces is written as their concatenation, a surrogate pair split between pieces too', async () => {
    const pieces = ['{"a": "x\ud83d', '\ude00y",', ' "b": 1}\n'];
    const big = ['z'.repeat((1 << 20) - 1) + '\ud83d', '\ude00', 'end'];
    await writeFilesAtomic(new Map<string, string | string[]>([[join(dir, 'a.json'), pieces], [join(dir, 'big.json'), big], [join(dir, 'one.json'), ['only']]]));
    expect(await readFile(join(dir, 'a.json'))).toEqual(Buffer.from(pieces.join(''), 'utf8'));
    expect(await readFile(join(dir, 'big.json'))).toEqual(Buffer.from(big.join(''), 'utf8'));
    expect(await readFile(join(dir, 'one.json'), 'utf8')).toBe('only');
    await checkFiles(new Map([[join(dir, 'a.json'), pieces]]));
    await expect(checkFiles(new Map([[join(dir, 'a.json'), ['{}']]]))).rejects.toThrow(StaleOutputError);
  });

  test('a failure leaves the previous output intact and no temporary file', async () => {
    await writeFile(join(dir, 'a.nix'), 'OLD');
    await writeFile(join(dir, 'plain-file'), '');
    await mkdir(join(dir, 'blocked.nix'));
    const cases = [
      join(dir, 'plain-file', 'x.nix'), // cannot create the folder: fails while writing
      join(dir, 'blocked.nix'), // a folder where the file must go: fails before renaming
    ];
    for (const second of cases) {
      await expect(writeFilesAtomic(new Map([[join(dir, 'a.nix'), 'NEW'], [second, 'X']]))).rejects.toThrow();
      expect(await readFile(join(dir, 'a.nix'), 'utf8')).toBe('OLD');
      expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    }
  });

  test('--check passes on identical output and names each stale or missing file', async () => {
    const files = new Map([[join(dir, 'a.nix'), 'line1\nline2\n'], [join(dir, 'b.nix'), 'x']]);
    await writeFilesAtomic(files);
    await expect(checkFiles(files)).resolves.toBeUndefined();
    await writeFile(join(dir, 'a.nix'), 'line1\nchanged\n');
    await rm(join(dir, 'b.nix'));
    const err = await checkFiles(files).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleOutputError);
    expect((err as Error).message).toContain('a.nix: stale (+1 -1 lines');
    expect((err as Error).message).toContain('b.nix: missing');
  });

  test('diff summary counts added and removed lines', () => {
    expect(diffSummary('a\nb\nc', 'a\nc\nd\ne')).toMatch(/^\+2 -1 lines/);
  });
});
