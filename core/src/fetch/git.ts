// The tree at a git commit, as nixpkgs fetchgit produces it: fetch the commit, check it out, update submodules
// recursively when asked, remove every .git, and hash the NAR of what is left. Cached per (url, rev, submodules).

import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FetchError } from '../errors.ts';
import type { Reporter } from '../report.ts';
import type { DownloadCache } from './cache.ts';
import { backoffDelay, redactText, redactUrl, sleep } from './retry.ts';
import { buildTree, readTree } from './trees.ts';
import type { FetchedTree, GitRequest } from './types.ts';

export interface GitOptions {
  /** HTTP headers for the remote (from authorize()), as `[urlPrefix, headers]`; handed to git through its environment, never its command line */
  auth?: [string, Record<string, string>][];
  offline: boolean;
  reporter: Reporter;
  retries: number;
  backoffMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

class GitError extends Error {
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

/**
 * Checkout and submodule steps run without the user's or the system's git configuration (core.autocrlf,
 * filters and the like would change the tree and so the hash; fetchgit runs with neither). The first fetch
 * keeps the user's configuration, so credential helpers and url.insteadOf still work for private remotes.
 */
export function gitEnv(isolated: boolean, auth: [string, Record<string, string>][] = [], idleSeconds = 30): NodeJS.ProcessEnv {
  // http.<url>.extraHeader: git sends them only to URLs under that prefix (submodules on other hosts get none);
  // an http transfer slower than 1 byte/s for the idle timeout is abandoned (and retried)
  const config: (readonly [string, string])[] = [
    ['http.lowSpeedLimit', '1'],
    ['http.lowSpeedTime', String(Math.max(1, Math.round(idleSeconds)))],
    ...auth.flatMap(([prefix, headers]) => Object.entries(headers).map(([k, v]) => [`http.${prefix}.extraHeader`, `${k}: ${v}`] as const)),
  ];
  return {
    ...process.env,
    ...(config.length
      ? {
          GIT_CONFIG_COUNT: String(config.length),
          ...Object.fromEntries(config.flatMap(([k, v], i) => [[`GIT_CONFIG_KEY_${i}`, k], [`GIT_CONFIG_VALUE_${i}`, v]])),
        }
      : {}),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    ...(isolated ? { GIT_CONFIG_GLOBAL: '/dev/null' } : {}),
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    LC_ALL: 'C',
  };
}

/** a whole git command (a clone of a huge repository included) may take this long before it is killed and retried */
const GIT_COMMAND_TIMEOUT_MS = 30 * 60_000;

interface RunOptions {
  signal?: AbortSignal;
  auth?: [string, Record<string, string>][];
  idleSeconds?: number;
}

function runGit(cwd: string, args: string[], isolated: boolean, o: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnv(isolated, o.auth, o.idleSeconds), maxBuffer: 64 * 1024 * 1024, timeout: GIT_COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', ...(o.signal ? { signal: o.signal } : {}) }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed && !o.signal?.aborted) reject(new GitError(`git ${args[0]} timed out`, `git ${args[0]} timed out after ${GIT_COMMAND_TIMEOUT_MS / 60_000} minutes`));
      else if (err) reject(new GitError(`git ${args[0]} failed`, String(stderr || err.message)));
      else resolve(String(stdout));
    });
  });
}

/** Failures that another attempt will not fix. */
function permanent(stderr: string): boolean {
  return /not found|does not appear to be a git repository|repository .* does not exist|couldn't find remote ref|not our ref|no such remote|unadvertised object|invalid|authentication failed|could not read username|Permission denied/i.test(stderr);
}

function lastLines(s: string): string {
  return redactText(s.trim().split('\n').filter((l) => l.trim()).slice(-3).join(' / ')) || 'unknown error';
}

async function removeDotGit(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.name === '.git') await rm(p, { recursive: true, force: true });
    else if (e.isDirectory()) await removeDotGit(p);
  }
}

async function checkout(tree: string, req: GitRequest, o: RunOptions): Promise<void> {
  const local = { ...(o.signal ? { signal: o.signal } : {}) };
  await runGit('/', ['init', '-q', tree], true, local);
  await runGit(tree, ['remote', 'add', 'origin', req.url], true, local);
  try {
    await runGit(tree, ['fetch', '-q', '--depth', '1', 'origin', req.rev], false, o);
  } catch {
    // servers that refuse a commit id in a fetch: take everything, then pick the commit
    await runGit(tree, ['fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*'], false, o);
  }
  await runGit(tree, ['-c', 'advice.detachedHead=false', 'checkout', '-q', req.rev], true, local);
  const head = (await runGit(tree, ['rev-parse', 'HEAD'], true, local)).trim();
  if (head !== req.rev) throw new GitError('wrong commit', `checked out ${head}, not ${req.rev}`);
  if (req.submodules) await runGit(tree, ['submodule', 'update', '--init', '--recursive', '-q'], true, o);
  await removeDotGit(tree);
}

export async function fetchGitTree(cache: DownloadCache, req: GitRequest, o: GitOptions): Promise<FetchedTree> {
  const key = `${req.url}\0${req.rev}\0${req.submodules ? 'submodules' : 'plain'}`;
  const hit = await readTree(cache, 'git', key);
  if (hit) {
    o.reporter.report({ type: 'fetch-done', url: redactUrl(req.url), pkg: req.pkg, bytes: 0, cached: true });
    return hit;
  }
  if (o.offline) throw new FetchError(redactUrl(req.url), `commit ${req.rev} is not in the cache and running offline`, { pkg: req.pkg });
  o.reporter.report({ type: 'fetch-start', url: redactUrl(req.url), pkg: req.pkg });
  const failed = (cause: string) => o.reporter.report({ type: 'fetch-failed', url: redactUrl(req.url), pkg: req.pkg, cause });
  for (let n = 1; ; n++) {
    try {
      const tree = await buildTree(cache, 'git', key, (_work, dir) => checkout(dir, req, { ...(o.signal ? { signal: o.signal } : {}), ...(o.auth ? { auth: o.auth } : {}), idleSeconds: o.timeoutMs / 1000 }));
      o.reporter.report({ type: 'fetch-done', url: redactUrl(req.url), pkg: req.pkg, bytes: 0, cached: false });
      return tree;
    } catch (e) {
      if (!(e instanceof GitError)) {
        failed(e instanceof Error ? e.message : String(e));
        throw e;
      }
      const cause = lastLines(e.stderr);
      if (permanent(e.stderr) || n >= o.retries || o.signal?.aborted) {
        failed(cause);
        throw new FetchError(redactUrl(req.url), `git: cannot get commit ${req.rev}: ${cause}${n > 1 ? ` (after ${n} attempts)` : ''}`, { pkg: req.pkg });
      }
      const delayMs = backoffDelay(n, o.backoffMs, undefined, o.maxDelayMs);
      o.reporter.report({ type: 'retry', url: redactUrl(req.url), pkg: req.pkg, attempt: n + 1, delayMs, cause });
      await sleep(delayMs, o.signal);
    }
  }
}
