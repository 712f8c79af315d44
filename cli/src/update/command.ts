// `lock2nix update [ECOSYSTEM...] [--out DIR] [--offline] [--json | --markdown]`: the command-line face of
// runUpdate. The table goes to stdout; progress and warnings to stderr.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Ecosystem } from '@lock2nix/core';
import { EXIT, type Io } from '../main.ts';
import { fetchSetup } from '../flags.ts';
import { formatMarkdown, formatTable, toJson } from './format.ts';
import { runUpdate } from './run.ts';

export const UPDATE_HELP = `Usage: lock2nix update [cargo|yarn|poetry|nuget ...] [options]

Regenerate every output under the folder and report what changed: added, removed, upgraded, downgraded
packages and changed sources. Entries whose download did not change keep the hash the previous output had;
only changed entries are fetched.

Options:
  --out DIR           output folder (default: lock2nix)
  --offline           no network: hashes the lockfile justifies, the previous output and the cache
  --json              print the change report as JSON on stdout
  --markdown          print the change report as Markdown (a pull request body) on stdout
  --concurrency N     downloads at once (default 16)
  --cache-dir DIR     download cache (default: $XDG_CACHE_HOME/lock2nix)
  --quiet, -q         print only errors
  --verbose, -v       print every download
`;

export async function updateCommand(args: string[], io: Io): Promise<number> {
  let p;
  try {
    p = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' }, offline: { type: 'boolean' }, json: { type: 'boolean' }, markdown: { type: 'boolean' },
        concurrency: { type: 'string' }, 'cache-dir': { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
        verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nRun lock2nix update --help for usage.`);
  }
  const o = p.values;
  if (o.help) return io.out(UPDATE_HELP), EXIT.ok;
  if (o.json && o.markdown) throw new UsageError('choose one of --json, --markdown');
  const { reporter, prefetcher, offline } = fetchSetup(o, io);
  try {
    const { report } = await runUpdate({
      root: io.cwd,
      outDir: resolve(io.cwd, o.out ?? 'lock2nix'),
      ecosystems: p.positionals as Ecosystem[],
      ctx: { offline, prefetcher, reporter, env: io.env },
    });
    reporter.done();
    if (!o.quiet && !o.json) for (const w of report.warnings) io.err(`warning: ${w.output}: ${w.message}\n`);
    if (o.json) io.out(`${JSON.stringify(toJson(report), null, 2)}\n`);
    else if (o.markdown) io.out(formatMarkdown(report));
    else if (!o.quiet) io.out(formatTable(report));
    return report.pins.unpinned ? EXIT.incomplete : EXIT.ok;
  } finally {
    reporter.done();
    await prefetcher.close();
  }
}
