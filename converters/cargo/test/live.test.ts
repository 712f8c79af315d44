// Live (off by default; LOCK2NIX_LIVE=1): prefetch every crate of a real lockfile through the registry access
// configured on this machine (its Cargo config: a crates.io mirror by source replacement, tokens), or
// crates.io's static host when none is configured, and check each download against the lockfile checksum.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { CollectingReporter, convertText, createPrefetcher, hexToSri } from '@lock2nix/core';
import { cargoConverter } from '../src/index.ts';
import { parseCargoLock } from '../src/parse.ts';

const LIVE = process.env.LOCK2NIX_LIVE === '1';
const FILE = fileURLToPath(new URL('../../../fixtures/corpus/cargo/exa-v3/Cargo.lock', import.meta.url));

test.skipIf(!LIVE)(`live: every crate of exa's Cargo.lock downloaded and checked against its checksum${LIVE ? '' : ' [skipped: set LOCK2NIX_LIVE=1]'}`, async () => {
  const text = readFileSync(FILE, 'utf8');
  const reporter = new CollectingReporter();
  const prefetcher = createPrefetcher({ cacheDir: mkdtempSync(join(tmpdir(), 'lock2nix-cargo-live-')), concurrency: 4, reporter });
  try {
    // the machine's own environment: HOME / CARGO_HOME decide which Cargo config (and so which registry) is used
    const r = await convertText(cargoConverter, FILE, text, { projectDir: tmpdir(), offline: false, prefetcher, reporter, env: process.env });
    const locked = parseCargoLock(FILE, text).packages.filter((p) => p.source);
    expect(r.artifacts).toHaveLength(locked.length);
    for (const p of locked) {
      const a = r.artifacts.find((x) => x.name === p.name && x.version === p.version)!;
      expect(a.pin, `${p.name} ${p.version}`).toEqual({ hash: hexToSri('sha256', p.checksum!), by: 'download' });
    }
    expect(reporter.events.filter((e) => e.type === 'fetch-done').length).toBeGreaterThanOrEqual(locked.length);
  } finally {
    await prefetcher.close();
  }
}, 600_000);
