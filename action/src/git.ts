// Git, run as the real `git` binary in the checkout. Commits are built with a temporary index and
// commit-tree, so the user's working tree and index are left as they are. The token never appears on a
// command line or in output: it travels in an environment-provided config value.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity } from './inputs.ts';

export class GitError extends Error {
  override name = 'GitError';
}

export interface GitOptions {
  cwd: string;
  /** for pushes and fetches over HTTPS to this server (e.g. https://github.com) */
  server?: string;
  token?: string;
  env?: Record<string, string | undefined>;
}

export class Git {
  readonly cwd: string;
  private readonly opts: GitOptions;
  constructor(opts: GitOptions) {
    this.cwd = opts.cwd;
    this.opts = opts;
  }

  /** Config for authenticated HTTPS, passed through GIT_CONFIG_* variables (not argv, not logged). */
  private authEnv(): Record<string, string> {
    const { server, token } = this.opts;
    if (!server || !token || !/^https?:/.test(server)) return {};
    const key = `http.${server.replace(/\/$/, '')}/.extraheader`;
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    // an empty value first clears a header actions/checkout may have persisted for another token
    return { GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: key, GIT_CONFIG_VALUE_0: '', GIT_CONFIG_KEY_1: key, GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${basic}` };
  }

  run(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
    const env = { ...(this.opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0', ...this.authEnv(), ...extraEnv };
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd: this.cwd, env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          const secret = this.opts.token;
          const msg = `git ${args[0]} failed: ${String(stderr || err.message).trim()}`;
          reject(new GitError(secret ? msg.split(secret).join('***') : msg));
        } else resolve(stdout.replace(/\n$/, ''));
      });
    });
  }

  async topLevel(): Promise<string> {
    return this.run(['rev-parse', '--show-toplevel']);
  }

  async head(): Promise<string> {
    return this.run(['rev-parse', 'HEAD']);
  }

  /** The commit a branch points at on `origin`, or undefined when there is no such branch. */
  async remoteBranch(branch: string): Promise<string | undefined> {
    const out = await this.run(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
    const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
    return line?.split('\t')[0];
  }

  /** Fetch one branch from origin; returns its commit. */
  async fetchBranch(branch: string): Promise<string> {
    await this.run(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:refs/lock2nix/fetched`]);
    return this.run(['rev-parse', 'refs/lock2nix/fetched']);
  }

  /** Paths (relative to the repository root) under `pathspec` that differ from HEAD, untracked ones included. */
  async changedPaths(pathspec: string): Promise<string[]> {
    const out = await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', pathspec]);
    const paths: string[] = [];
    const parts = out.split('\0').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      paths.push(p.slice(3));
      if (p[0] === 'R' || p[0] === 'C') i++; // the original path follows
    }
    return [...new Set(paths)].sort();
  }

  /** The tree of a commit. */
  async treeOf(commit: string): Promise<string> {
    return this.run(['rev-parse', `${commit}^{tree}`]);
  }

  /**
   * A commit whose tree is `parent`'s with the working-tree state of `paths` (additions, changes and
   * deletions), made without touching the index or the working tree.
   */
  async commitPaths(opts: { parent: string; paths: string[]; message: string; author: Identity; committer: Identity }): Promise<{ commit: string; tree: string }> {
    const index = join(tmpdir(), `lock2nix-index-${process.pid}-${randomBytes(4).toString('hex')}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.run(['read-tree', opts.parent], env);
      if (opts.paths.length) await this.run(['add', '--all', '--', ...opts.paths.map((p) => `:(top,literal)${p}`)], env);
      const tree = await this.run(['write-tree'], env);
      const commit = await this.run(['commit-tree', tree, '-p', opts.parent, '-m', opts.message], {
        GIT_AUTHOR_NAME: opts.author.name, GIT_AUTHOR_EMAIL: opts.author.email,
        GIT_COMMITTER_NAME: opts.committer.name, GIT_COMMITTER_EMAIL: opts.committer.email,
      });
      return { commit, tree };
    } finally {
      await rm(index, { force: true });
    }
  }

  async push(commit: string, branch: string, opts: { force?: boolean; expect?: string | undefined } = {}): Promise<void> {
    const args = ['push', '--quiet', '--no-verify'];
    // force, but only over what we saw: someone else's push in between makes this fail rather than vanish
    if (opts.force) args.push(`--force-with-lease=refs/heads/${branch}:${opts.expect ?? ''}`);
    await this.run([...args, 'origin', `${commit}:refs/heads/${branch}`]);
  }

  async deleteRemoteBranch(branch: string): Promise<void> {
    await this.run(['push', '--quiet', '--no-verify', 'origin', '--delete', `refs/heads/${branch}`]);
  }
}
