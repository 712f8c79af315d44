// `lock2nix cache info|prune|clean`: inspect and trim the download cache (core/src/fetch/maintain.ts).

import { resolve } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { cacheInfo, cleanCache, defaultCacheDir, formatBytes, parseDuration, parseSize, pruneCache, PRUNE_GRACE_MS, UsageError } from '@lock2nix/core';
import { EXIT, type Io } from './main.ts';

export const CACHE_HELP = `Usage:
  lock2nix cache info [--cache-dir DIR] [--json]
      where the download cache is, how many downloads and unpacked trees it holds and their size (a file is
      counted once, however many names it has)
  lock2nix cache prune [--older-than 30d] [--max-size 2G] [--dry-run] [--cache-dir DIR] [--json]
      remove the least recently used downloads and trees, with every name and record of them: first those
      not used for --older-than (default 30d when neither limit is given), then more until downloads and
      trees take at most --max-size. Entries used within the last ${PRUNE_GRACE_MS / 60_000} minutes stay (a running
      lock2nix may be reading them).
  lock2nix cache clean [--cache-dir DIR]
      remove everything (a missing folder is fine; work in progress of running lock2nix processes stays)

Durations: 45s, 90m, 12h, 30d, 2w. Sizes: bytes, or with k, M, G, T (powers of 1024), e.g. 500M, 2G.
Last use is a file's access time. Most systems mount with relatime, which updates it at most once a day, and
noatime never does; so lock2nix itself moves an entry's access time forward on a cache hit when it is more than
10 minutes old: the last use it sees is right to within 10 minutes on any mount.
Removal is safe while other lock2nix runs use the cache: each entry is renamed into the cache's tmp/ first, so a
run sees it whole or not at all (and then downloads it again). Symbolic links inside the cache are never followed.
`;

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${CACHE_HELP}`);
  }
}

const when = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** lock2nix cache info|prune|clean ... */
export async function cacheCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(CACHE_HELP);
    return EXIT.ok;
  }
  if (sub !== 'info' && sub !== 'prune' && sub !== 'clean') {
    throw new UsageError(`${sub === undefined || sub.startsWith('-') ? 'cache needs a command' : `unknown cache command ${JSON.stringify(sub)}`} (one of: info, prune, clean)\n${CACHE_HELP}`);
  }
  const options: ParseArgsOptionsConfig = { 'cache-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } };
  if (sub !== 'clean') options.json = { type: 'boolean' };
  if (sub === 'prune') Object.assign(options, { 'older-than': { type: 'string' }, 'max-size': { type: 'string' }, 'dry-run': { type: 'boolean' } });
  const p = parse(rest, options);
  const v = p.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    io.out(CACHE_HELP);
    return EXIT.ok;
  }
  if (p.positionals.length > 0) throw new UsageError(`lock2nix cache ${sub} takes no arguments, got ${JSON.stringify(p.positionals[0])}\n${CACHE_HELP}`);
  const root = v['cache-dir'] ? resolve(io.cwd, v['cache-dir'] as string) : defaultCacheDir(io.env);

  if (sub === 'info') {
    const info = await cacheInfo(root);
    if (v.json) {
      io.out(`${JSON.stringify(info, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(
      [
        `cache        ${root}${info.exists ? '' : ' (missing)'}`,
        `downloads    ${info.downloads.count} (${formatBytes(info.downloads.bytes)})`,
        `trees        ${info.trees.count} (${formatBytes(info.trees.bytes)})`,
        `in progress  ${formatBytes(info.inProgress.bytes)} (tmp/, partial/)`,
        `total        ${formatBytes(info.totalBytes)}`,
        `last used    ${when(info.oldestUse)} .. ${when(info.newestUse)}`,
      ].join('\n') + '\n',
    );
    return EXIT.ok;
  }

  if (sub === 'clean') {
    const r = await cleanCache(root);
    io.err(`lock2nix: removed ${formatBytes(r.removedBytes)} from ${root}\n`);
    return EXIT.ok;
  }

  let olderThanMs: number | undefined;
  let maxBytes: number | undefined;
  if (v['older-than'] !== undefined) {
    olderThanMs = parseDuration(v['older-than'] as string);
    if (olderThanMs === undefined) throw new UsageError(`--older-than takes a duration such as 30d, 12h, 90m, 2w, not ${JSON.stringify(v['older-than'])}`);
  }
  if (v['max-size'] !== undefined) {
    maxBytes = parseSize(v['max-size'] as string);
    if (maxBytes === undefined) throw new UsageError(`--max-size takes a size such as 2G, 500M, 10k or a number of bytes, not ${JSON.stringify(v['max-size'])}`);
  }
  if (olderThanMs === undefined && maxBytes === undefined) olderThanMs = 30 * 86_400_000;
  const dryRun = Boolean(v['dry-run']);
  const r = await pruneCache(root, { ...(olderThanMs !== undefined ? { olderThanMs } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}), dryRun });
  if (v.json) {
    io.out(`${JSON.stringify({ root, dryRun, removed: r.removed, removedBytes: r.removedBytes, keptBytes: r.keptBytes }, null, 2)}\n`);
    return EXIT.ok;
  }
  const counted = r.removed.filter((e) => e.bytes > 0 || e.names.some((n) => !n.startsWith('index/')));
  for (const e of dryRun ? counted : []) io.out(`would remove ${e.kind} ${e.id || e.names[0]} ${formatBytes(e.bytes)}, last used ${when(e.lastUse)}\n`);
  const verb = dryRun ? 'would remove' : 'removed';
  io.err(`lock2nix: ${verb} ${counted.length} entries (${formatBytes(r.removedBytes)}); ${formatBytes(r.keptBytes)} ${dryRun ? 'would stay' : 'left'} in ${root}\n`);
  if (maxBytes !== undefined && r.keptBytes > maxBytes) {
    io.err(`lock2nix: the cache is still above --max-size: what is left was used within the last ${PRUNE_GRACE_MS / 60_000} minutes\n`);
  }
  return EXIT.ok;
}
