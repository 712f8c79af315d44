// Every real poetry.lock in the corpus converts offline: every file it lists comes out with its lockfile
// hash, entries whose URL is not known offline are reported and evaluate to a throw, and Nix evaluates it.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertText } from '@lock2nix/core';
import { hasNix, nixEvalJson } from '@lock2nix/fixtures';
import { poetryConverter } from '../src/index.ts';
import { CORPUS, context, tempDir } from './support.ts';

const slugs = readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
let home: string;
beforeAll(async () => { home = await tempDir('corpus'); });
afterAll(async () => { await rm(home, { recursive: true, force: true }); });

describe('corpus: poetry.lock --offline', () => {
  test('the corpus is there', () => expect(slugs.length).toBeGreaterThanOrEqual(6));

  test.each(slugs)('%s', async (slug) => {
    const file = join(CORPUS, slug, 'poetry.lock');
    const text = readFileSync(file, 'utf8');
    const lock = poetryConverter.parse(file, text);
    const ctx = await context({ offline: true, projectDir: join(CORPUS, slug), home });
    try {
      const r = await convertText(poetryConverter, file, text, ctx);
      const again = await convertText(poetryConverter, file, text, ctx);
      expect(again.text).toBe(r.text);
      // every locked file, with the lockfile's hash
      const want = lock.native.packages.flatMap((p) => (p.source && p.source.type !== 'legacy' ? [] : p.files.map((f) => `${f.file} ${f.algo}:${f.hex}`))).sort();
      const got = r.artifacts.filter((a) => a.fetch.type === 'file').map((a) => `${a.cachePath} ${(a.meta as { hash: string }).hash}`).sort();
      expect(got).toEqual([...new Set(want)]);
      // offline, no URL is known: all of them unpinned, as are git sources (no NAR hash yet)
      const gits = lock.native.packages.filter((p) => p.source?.type === 'git').length;
      expect(r.unpinned.length).toBe(got.length + gits);
      expect(r.artifacts.every((a) => !a.pin)).toBe(true);
      if (!hasNix()) return;
      const dir = join(home, slug);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'poetry.nix'), r.text);
      const ev = await nixEvalJson<{ n: number; thrown: number; files: number; packages: number }>(
        `let d = import ${join(dir, 'poetry.nix')}; as = builtins.attrValues d.artifacts; in {
           n = builtins.length as;
           thrown = builtins.length (builtins.filter (a: a.fetch.type != "none" && !(builtins.tryEval a.fetch.hash).success) as);
           files = builtins.length (builtins.filter (a: a.fetch.type == "file") as);
           packages = builtins.length (builtins.attrNames d.meta.packages);
         }`,
      );
      expect(ev).toEqual({ n: r.artifacts.length, thrown: r.unpinned.length, files: got.length, packages: lock.native.packages.length });
    } finally {
      await ctx.close();
    }
  });
});
