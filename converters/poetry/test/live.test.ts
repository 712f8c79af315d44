// Live (off by default; LOCK2NIX_LIVE=1): resolve every file of a real poetry.lock on the index pip is
// configured with on this machine (pip's index-url, with its credentials), or PyPI's Simple API when none is
// set; download each and check it against the lockfile's sha256.
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { convertText, createPrefetcher, hexToSri, silentReporter } from '@lock2nix/core';
import { poetryConverter } from '../src/index.ts';
import { CORPUS } from './support.ts';

const LIVE = process.env.LOCK2NIX_LIVE === '1';
const FILE = join(CORPUS, 'poetry2nix-tools-1.1-small', 'poetry.lock');

test.skipIf(!LIVE)(`live: every file of poetry2nix's tools/poetry.lock found on the configured index and checked against its sha256${LIVE ? '' : ' [skipped: set LOCK2NIX_LIVE=1]'}`, async () => {
  const text = readFileSync(FILE, 'utf8');
  const cacheDir = mkdtempSync(join(tmpdir(), 'lock2nix-poetry-live-'));
  const prefetcher = createPrefetcher({ cacheDir, concurrency: 4 });
  try {
    // the machine's own environment: pip's configuration decides the index; Poetry's, the credentials
    const r = await convertText(poetryConverter, FILE, text, { projectDir: join(CORPUS, 'poetry2nix-tools-1.1-small'), offline: false, prefetcher, reporter: silentReporter, env: process.env });
    const lock = poetryConverter.parse(FILE, text).native;
    const files = lock.packages.flatMap((p) => p.files);
    expect(r.unpinned).toEqual([]);
    for (const f of files) {
      const a = r.artifacts.find((x) => x.cachePath === f.file)!;
      expect(a.pin, f.file).toEqual({ hash: hexToSri('sha256', f.hex), by: 'lockfile' });
      // the URL the index gave serves exactly the locked bytes (a mismatch throws HashMismatchError)
      if (a.fetch.type !== 'file') throw new Error(`${f.file}: not a file fetch`);
      const got = await prefetcher.file({ urls: a.fetch.urls, pkg: f.file, expect: { algo: 'sha256', hex: f.hex } });
      expect(got.digests.sha256).toBe(f.hex);
    }
  } finally {
    await prefetcher.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}, 900_000);
