// The options every converting command shares: --concurrency, --cache-dir, --offline, --quiet, --verbose.

import { resolve } from 'node:path';
import { createPrefetcher, UsageError, type HttpPrefetcher } from '@lock2nix/core';
import type { Io } from './main.ts';
import { growYoungGeneration, keepYoungGenerationSmall } from '../bin/runtime.js';
import { makeReporter, type TerminalReporter } from './terminal.ts';

export interface FetchFlags {
  concurrency?: string | undefined;
  'cache-dir'?: string | undefined;
  offline?: boolean | undefined;
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
}

export function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError('--concurrency takes a whole number from 1 to 256');
  return n;
}

/** The reporter and prefetcher the flags ask for (called when a conversion starts, its modules loaded). */
export function fetchSetup(o: FetchFlags, io: Io): { reporter: TerminalReporter; prefetcher: HttpPrefetcher; offline: boolean } {
  keepYoungGenerationSmall();
  const concurrency = parseConcurrency(o.concurrency);
  const reporter = makeReporter({ io, quiet: Boolean(o.quiet), verbose: Boolean(o.verbose) });
  const offline = Boolean(o.offline);
  const prefetcher = createPrefetcher({
    ...(concurrency ? { concurrency } : {}),
    ...(o['cache-dir'] ? { cacheDir: resolve(io.cwd, o['cache-dir']) } : {}),
    offline,
    reporter,
    onFirstRequest: growYoungGeneration,
  });
  return { reporter, prefetcher, offline };
}
