// Shared test helpers: a conversion context with a private cache and no user Cargo config.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectingReporter, createPrefetcher, type ConvertContext } from '@lock2nix/core';

/** A context whose HOME and CARGO_HOME are empty temp folders, so the machine's Cargo config is never read. */
export function testContext(opts: { offline: boolean; projectDir?: string; env?: Record<string, string> }): ConvertContext & { reporter: CollectingReporter } {
  const home = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-home-'));
  // HOME is not the project: CARGO_HOME is home/.cargo, which would read as the project's .cargo/ otherwise
  const reporter = new CollectingReporter();
  return {
    projectDir: opts.projectDir ?? mkdtempSync(join(tmpdir(), 'lock2nix-cargo-project-')),
    offline: opts.offline,
    prefetcher: createPrefetcher({ offline: opts.offline, cacheDir: join(home, 'cache'), reporter }),
    reporter,
    env: { HOME: home, CARGO_HOME: join(home, '.cargo'), ...(opts.env ?? {}) },
  };
}
