// Every real yarn.lock in fixtures/corpus/yarn converts offline, twice to the same bytes, and the output
// evaluates; entries whose lockfile hash Nix cannot use (sha1 only, git, Berry zip checksums) are listed as
// unpinned and throw on their own.

import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { nixEvalJson, testWithTools } from '@lock2nix/fixtures';
import { builderExpr, convert, evalExpr } from './helpers.ts';

const CORPUS = fileURLToPath(new URL('../../../fixtures/corpus/yarn/', import.meta.url));
const slugs = readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('yarn corpus', () => {
  for (const slug of slugs) {
    testWithTools(['nix-instantiate'], `${slug} converts offline and evaluates`, async () => {
      const file = join(CORPUS, slug, 'yarn.lock');
      const a = await convert(file, { offline: true });
      const b = await convert(file, { offline: true });
      expect(b.text).toBe(a.text);
      expect(a.artifacts.length).toBeGreaterThan(0);
      const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-corpus-'));
      const data = join(dir, 'yarn.json');
      await writeFile(data, a.text);
      const r = await nixEvalJson<{ unpinned: number; drv: string }>(evalExpr(data));
      expect(r.unpinned).toBe(a.unpinned.length);
      expect(r.drv).toMatch(/^\/nix\/store\/.*\.drv$/);
      // with the unpinned entries, the build stops at the first one's message
      if (a.unpinned.length > 0) {
        await expect(nixEvalJson(`(${builderExpr(data)}).drvPath`)).rejects.toThrow(/lock2nix: yarn package .* is not pinned yet; run `lock2nix yarn` without --offline to pin it/);
      }
      console.log(`${slug}: ${a.lock.format}, ${a.artifacts.length} artifacts, ${a.unpinned.length} need a download`);
    }, 300_000);
  }
});
