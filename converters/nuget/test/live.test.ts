// Live (off by default; LOCK2NIX_LIVE=1): every package of a real packages.lock.json downloaded from the feeds
// this machine's NuGet configuration names (the user's NuGet.Config, or nuget.org when it names none), its
// content hash computed and checked against the lockfile, and the file's own hash pinned. This is the check of
// the content-hash code on packages nuget.org really signed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { CollectingReporter, convertText, createPrefetcher } from '@lock2nix/core';
import { nugetConverter, parseNuget } from '../src/index.ts';

const LIVE = process.env.LOCK2NIX_LIVE === '1';
const FILE = fileURLToPath(new URL('../../../fixtures/corpus/nuget/blis-ng-lockv1-win-x64/packages.lock.json', import.meta.url));

test.skipIf(!LIVE)(`live: every package of BLIS-NG's packages.lock.json downloaded and its content hash checked${LIVE ? '' : ' [skipped: set LOCK2NIX_LIVE=1]'}`, async () => {
  const text = readFileSync(FILE, 'utf8');
  const reporter = new CollectingReporter();
  const prefetcher = createPrefetcher({ cacheDir: mkdtempSync(join(tmpdir(), 'lock2nix-nuget-live-')), concurrency: 4, reporter });
  try {
    const r = await convertText(nugetConverter, FILE, text, { projectDir: tmpdir(), offline: false, prefetcher, reporter, env: process.env });
    const plan = parseNuget(FILE, text);
    expect(r.artifacts).toHaveLength(plan.packages.length);
    expect(r.unpinned).toEqual([]);
    for (const a of r.artifacts) {
      expect(a.pin?.by).toBe('download');
      // signed by nuget.org: the pinned file hash is not the lockfile's content hash
      expect(a.pin?.hash.startsWith('sha256-')).toBe(true);
    }
  } finally {
    await prefetcher.close();
  }
}, 900_000);
