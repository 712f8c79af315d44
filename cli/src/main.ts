// The command line. Only this file prints and chooses exit codes; everything under it is library code.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ECOSYSTEMS,
  FetchError,
  HashMismatchError,
  Lock2nixError,
  LockfileError,
  StaleOutputError,
  UsageError,
  type Ecosystem,
} from '@lock2nix/core';
import { runProject } from './project.ts';
import { hashCommand, prefetchCommand } from './utilities.ts';
import { fetchSetup } from './flags.ts';

/** Documented exit codes (README, `--help`). */
export const EXIT = {
  ok: 0,
  failed: 1, // a download or verification failed, or an unexpected error
  usage: 2, // bad command line
  badLockfile: 3, // the lockfile is malformed or unsupported
  stale: 4, // --check: the committed output is not what lock2nix would write
  incomplete: 5, // --offline: some entries could not be pinned (they evaluate to a throw)
} as const;

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const HELP = `lock2nix ${VERSION}: turn lockfiles into pinned, verified Nix fetches and offline caches

Usage:
  lock2nix [cargo|yarn|poetry|nuget] [options]   convert lockfiles (all found under the folder when no ecosystem is named)
  lock2nix update [cargo|yarn|poetry|nuget ...] [--json|--markdown]
                                                 regenerate and report what changed (lock2nix update --help)
  lock2nix hash [--flat|--nar] [--sri|--base32|--hex] [--type sha256|sha512|sha1] PATH
                                                 print what nix-hash would
  lock2nix prefetch URL [--unpack] [--sri|--base32|--hex]
                                                 print what nix-prefetch-url would (and the SRI hash)
  lock2nix cache info|prune|clean [--older-than 30d] [--max-size 2G] [--dry-run]
                                                 inspect and trim the download cache (lock2nix cache --help)

Options:
  --lockfile PATH     convert this lockfile only
  --out DIR           output folder (default: lock2nix)
  --format nixpkgs    also write nixpkgs' own format where one exists (NuGet: <name>.deps.json for
                      buildDotnetModule's nugetDeps)
  --check             write nothing; exit ${EXIT.stale} when the output on disk is stale
  --offline           no network: use hashes the lockfile justifies, the cache, and (Poetry, NuGet) what the
                      output folder pinned before for unchanged lockfile entries; unpinned entries throw
  --json              print a JSON summary on stdout
  --concurrency N     downloads at once (default 16)
  --cache-dir DIR     download cache (default: $XDG_CACHE_HOME/lock2nix)
  --quiet, -q         print only errors
  --verbose, -v       print every download
  --help, -h          this text
  --version           the version

Exit codes:
  ${EXIT.ok} done   ${EXIT.failed} download or verification failed   ${EXIT.usage} usage error   ${EXIT.badLockfile} bad lockfile
  ${EXIT.stale} --check found stale output   ${EXIT.incomplete} --offline left entries unpinned

Environment: NO_COLOR disables colour; NETRC names a .netrc for credentials.
`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
};

function exitFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof LockfileError) return EXIT.badLockfile;
  if (e instanceof StaleOutputError) return EXIT.stale;
  return EXIT.failed;
}

function describe(e: unknown, verbose: boolean): string {
  if (e instanceof Lock2nixError) return `lock2nix: ${e.message}`;
  if (e instanceof Error) return `lock2nix: unexpected error: ${e.message}${verbose && e.stack ? `\n${e.stack}` : ''}`;
  return `lock2nix: unexpected error: ${String(e)}`;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [first, ...rest] = argv;
  let verbose = false;
  try {
    if (first === 'hash') return await hashCommand(rest, io);
    if (first === 'prefetch') return await prefetchCommand(rest, io);
    if (first === 'cache') return await (await import('./cache-command.ts')).cacheCommand(rest, io);
    if (first === 'update') return await (await import('./update/command.ts')).updateCommand(rest, io);
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          lockfile: { type: 'string' },
          out: { type: 'string' },
          format: { type: 'string', multiple: true },
          check: { type: 'boolean' },
          offline: { type: 'boolean' },
          json: { type: 'boolean' },
          concurrency: { type: 'string' },
          'cache-dir': { type: 'string' },
          quiet: { type: 'boolean', short: 'q' },
          verbose: { type: 'boolean', short: 'v' },
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean' },
        },
      });
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\nRun lock2nix --help for usage.`);
    }
    const o = parsed.values;
    verbose = Boolean(o.verbose);
    if (o.help) return io.out(HELP), EXIT.ok;
    if (o.version) return io.out(`${VERSION}\n`), EXIT.ok;
    if (parsed.positionals.length > 1) throw new UsageError(`one ecosystem at most, got ${parsed.positionals.join(' ')}`);
    const eco = parsed.positionals[0];
    if (eco !== undefined && !(ECOSYSTEMS as readonly string[]).includes(eco)) {
      throw new UsageError(`unknown command or ecosystem ${JSON.stringify(eco)} (one of: ${ECOSYSTEMS.join(', ')}, hash, prefetch, update, cache)`);
    }
    const quiet = Boolean(o.quiet);
    const { reporter, prefetcher, offline } = fetchSetup(o, io);
    const outDir = resolve(io.cwd, o.out ?? 'lock2nix');
    try {
      const run = await runProject({
        root: io.cwd,
        outDir,
        ...(eco ? { only: eco as Ecosystem } : {}),
        ...(o.lockfile ? { lockfile: resolve(io.cwd, o.lockfile) } : {}),
        check: Boolean(o.check),
        ...(o.format ? { formats: o.format } : {}),
        ctx: { offline, prefetcher, reporter, env: io.env },
      });
      reporter.done();
      const unpinned = run.results.flatMap((r) => r.result.unpinned.map((a) => ({ output: r.name, key: a.key, name: a.name, version: a.version })));
      if (o.json) {
        io.out(`${JSON.stringify({
          outDir,
          check: Boolean(o.check),
          outputs: run.results.map((r) => ({
            name: r.name,
            ecosystem: r.converter.ecosystem,
            lockfile: r.file,
            format: r.result.lock.format,
            artifacts: r.result.artifacts.length,
            pinned: r.result.artifacts.filter((a) => a.pin).length,
            local: r.result.artifacts.filter((a) => a.fetch.type === 'none').length,
            warnings: r.result.warnings,
          })),
          unpinned,
          ...(run.warnings.length ? { warnings: run.warnings.map((w) => w.message) } : {}),
        }, null, 2)}\n`);
      } else if (!quiet) {
        for (const w of run.warnings) io.err(`warning: ${w.message}\n`);
        for (const r of run.results) {
          for (const w of r.result.warnings) io.err(`warning: ${w}\n`);
          const pinned = r.result.artifacts.filter((a) => a.pin).length;
          io.err(`${r.converter.title}: ${r.file} -> ${outDir}/${r.name}.json (${pinned} pinned, ${r.result.unpinned.length} unpinned, ${r.result.artifacts.length - pinned - r.result.unpinned.length} local)\n`);
        }
        if (unpinned.length) {
          io.err(`${unpinned.length} entries could not be pinned offline and evaluate to a throw:\n`);
          for (const u of unpinned.slice(0, 50)) io.err(`  ${u.output}: ${u.name} ${u.version}\n`);
          if (unpinned.length > 50) io.err(`  ... and ${unpinned.length - 50} more\n`);
          io.err(`Run without --offline to pin them.\n`);
        }
        io.err(o.check ? `lock2nix: output in ${outDir} is up to date\n` : `lock2nix: wrote ${outDir}\n`);
      }
      return unpinned.length ? EXIT.incomplete : EXIT.ok;
    } finally {
      reporter.done();
      await prefetcher.close();
    }
  } catch (e) {
    io.err(`${describe(e, verbose)}\n`);
    if (e instanceof HashMismatchError || e instanceof FetchError) return EXIT.failed;
    return exitFor(e);
  }
}
