// Every real poetry.lock in the corpus converts offline: every file it lists comes out with its lockfile
// hash, entries whose URL is not known offline are reported and evaluate to a throw, and Nix evaluates it.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertText } from '@lock2nix/core';
import { hasNix, nixEvalJson, TEMPLATES_DIR, TEST_PKGS } from '@lock2nix/fixtures';
import { poetryConverter } from '../src/index.ts';
import { CORPUS, cleanEnv, context, tempDir } from './support.ts';

const CLI = fileURLToPath(new URL('../../../cli/bin/lock2nix.js', import.meta.url));

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
      await writeFile(join(dir, 'poetry.json'), r.text);
      const ev = await nixEvalJson<{ n: number; thrown: number; files: number; packages: number }>(
        `let d = builtins.fromJSON (builtins.readFile ${join(dir, 'poetry.json')}); as = builtins.attrValues d.artifacts; in {
           n = builtins.length as;
           thrown = builtins.length (builtins.filter (a: (a.type or "file") != "none" && a ? unpinned && !(a.fetch ? hash)) as);
           files = builtins.length (builtins.filter (a: (a.type or "file") == "file") as);
           packages = builtins.length (builtins.attrNames d.meta.packages);
         }`,
      );
      expect(ev).toEqual({ n: r.artifacts.length, thrown: r.unpinned.length, files: got.length, packages: lock.native.packages.length });
      if (lock.native.lockVersion === '2.1') {
        // the builder selects from the offline output, and building stops at the clear throw
        const b = await nixEvalJson<{ selected: number; built: boolean }>(
          `let b = (import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/poetry.nix { lock = builtins.fromJSON (builtins.readFile ${join(dir, 'poetry.json')}); targetSystem = "x86_64-linux"; pythonVersion = "3.12.3"; }; in {
             selected = builtins.length b.selectedPackages;
             built = (builtins.tryEval b.drvPath).success;
           }`,
        );
        expect(b.selected).toBeGreaterThan(10);
        expect(b.built).toBe(false);
      }
    } finally {
      await ctx.close();
    }
  });
});

describe('corpus: the command line reports what needs a URL', () => {
  test('lock2nix poetry --offline: exit 5, the unpinned entries listed, a warning about the missing groups', async () => {
    const file = join(CORPUS, 'poetry2nix-tools-1.1-small', 'poetry.lock');
    const out = join(home, 'cli-out');
    const r = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(process.execPath, [CLI, 'poetry', '--offline', '--lockfile', file, '--out', out], { cwd: home, env: { ...cleanEnv(home), NO_COLOR: '1' } }, (e, _stdout, stderr) => {
        done({ code: e ? Number((e as { code?: number }).code) : 0, stderr });
      });
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Poetry: .* \(0 pinned, 28 unpinned, 0 local\)/);
    expect(r.stderr).toMatch(/28 entries could not be pinned offline and evaluate to a throw/);
    expect(r.stderr).toMatch(/black 22\.10\.0/);
    expect(r.stderr).toMatch(/warning: no pyproject\.toml next to the lockfile/);
    const name = readdirSync(out).find((n) => n.startsWith('poetry') && n.endsWith('.json'))!;
    const data = readFileSync(join(out, name), 'utf8');
    expect(data).toContain('"unpinned": "lock2nix: poetry package black 22.10.0 is not pinned yet; run `lock2nix poetry` without --offline to pin it"');
  });
});
