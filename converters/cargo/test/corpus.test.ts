// Every real Cargo.lock of the corpus converts offline: one entry per non-path package, registry crates
// pinned by their checksum, git crates left to throw (they need a fetch), and the output evaluates in Nix.
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { convertText, hexToSri } from '@lock2nix/core';
import { nixEvalJson, testWithTools } from '@lock2nix/fixtures';
import { cargoConverter } from '../src/index.ts';
import { parseCargoLock } from '../src/parse.ts';
import { testContext } from './helpers.ts';

const CORPUS = fileURLToPath(new URL('../../../fixtures/corpus/cargo/', import.meta.url));
const slugs = readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe.each(slugs)('%s', (slug) => {
  const file = join(CORPUS, slug, 'Cargo.lock');
  const text = readFileSync(file, 'utf8');

  test('converts offline with one entry per non-path package, same bytes twice', async () => {
    const lock = parseCargoLock(file, text);
    const nonPath = lock.packages.filter((p) => p.source !== undefined);
    const r = await convertText(cargoConverter, file, text, testContext({ offline: true }));
    expect(r.artifacts).toHaveLength(nonPath.length);
    for (const p of nonPath) {
      const a = r.artifacts.find((x) => x.name === p.name && x.version === p.version && x.source.name === p.source);
      expect(a, `${p.name} ${p.version}`).toBeDefined();
      if (p.source!.startsWith('git+')) {
        expect(a!.pin).toBeUndefined();
        expect(a!.fetch.type).toBe('git');
      } else {
        expect(p.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(a!.pin).toEqual({ hash: hexToSri('sha256', p.checksum!), by: 'lockfile' });
      }
    }
    expect(r.unpinned.length).toBe(nonPath.filter((p) => p.source!.startsWith('git+')).length);
    const again = await convertText(cargoConverter, file, text, testContext({ offline: true }));
    expect(again.text).toBe(r.text);
  });

  testWithTools(['nix-instantiate'], 'the output evaluates; hashes equal the checksums, git entries throw', async () => {
    const r = await convertText(cargoConverter, file, text, testContext({ offline: true }));
    const dir = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-corpus-'));
    writeFileSync(join(dir, 'cargo.json'), r.text);
    const got = await nixEvalJson<Record<string, { hash: string | null; urls: string[] }>>(
      `let d = builtins.fromJSON (builtins.readFile ${join(dir, 'cargo.json')}); in builtins.mapAttrs (k: v: { hash = let t = builtins.tryEval (v.fetch.hash or null); in if t.success then t.value else null; urls = v.fetch.urls or (if v ? fetch && v.fetch ? url then [ v.fetch.url ] else [ ]); }) d.artifacts`,
    );
    expect(Object.keys(got)).toHaveLength(r.artifacts.length);
    for (const a of r.artifacts) {
      const e = got[a.key]!;
      expect(e.hash).toBe(a.pin?.hash ?? null);
      if (a.fetch.type === 'file' && a.source.kind === 'registry') expect(e.urls[0]).toMatch(/^https:\/\/static\.crates\.io\/crates\//);
    }
  });
});
