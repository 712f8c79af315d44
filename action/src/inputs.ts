// The action's inputs, read the way @actions/core reads them (INPUT_<NAME> variables), checked and typed.

import { ECOSYSTEMS, UsageError, type Ecosystem } from '@lock2nix/core';

export type Mode = 'pull-request' | 'sync';

export interface Identity {
  name: string;
  email: string;
}

export interface ActionInputs {
  token: string;
  workingDirectory: string;
  /** output folder, relative to the working directory */
  outputDirectory: string;
  ecosystems: Ecosystem[];
  mode: Mode;
  branch: string;
  /** empty: the repository's default branch */
  base: string;
  commitMessage: string;
  prTitle: string;
  /** body template; `{{ changes }}` is replaced by the change table. Empty: the table and a note on tokens */
  prBody: string;
  prLabels: string[];
  prAssignees: string[];
  prReviewers: string[];
  prTeamReviewers: string[];
  draft: boolean;
  /** `download`: fetch and hash every changed entry; `lockfile`: trust the hashes lockfiles state (offline) */
  verify: 'download' | 'lockfile';
  deleteBranch: boolean;
  author: Identity;
  committer: Identity;
  cacheDir: string;
}

export const BOT: Identity = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };

/** Split a list input on commas and newlines, dropping blanks. */
export function listInput(s: string): string[] {
  return s.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
}

export function identityInput(s: string, what: string, dflt: Identity): Identity {
  if (!s.trim()) return dflt;
  const m = /^\s*(.+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(s);
  if (!m) throw new UsageError(`${what} must look like "Name <email@example.com>", got ${JSON.stringify(s)}`);
  return { name: m[1]!, email: m[2]! };
}

function bool(s: string, what: string, dflt: boolean): boolean {
  const v = s.trim().toLowerCase();
  if (v === '') return dflt;
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  throw new UsageError(`${what} must be true or false, got ${JSON.stringify(s)}`);
}

/** Branch names git and GitHub accept (a practical subset of git check-ref-format). */
export function checkBranch(name: string, what: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.lock') || name.includes('..') || name.includes('//')) {
    throw new UsageError(`${what} is not a usable branch name: ${JSON.stringify(name)}`);
  }
  return name;
}

export const DEFAULT_MESSAGE = 'lock2nix: update pinned Nix';

/** Read and check every input; `get` returns the raw input (empty string when unset). */
export function parseInputs(get: (name: string) => string): ActionInputs {
  const mode = get('mode').trim() || 'pull-request';
  if (mode !== 'pull-request' && mode !== 'sync') throw new UsageError(`mode must be pull-request or sync, got ${JSON.stringify(mode)}`);
  const ecos = listInput(get('ecosystems'));
  for (const e of ecos) if (!(ECOSYSTEMS as readonly string[]).includes(e)) throw new UsageError(`ecosystems: unknown ecosystem ${JSON.stringify(e)} (one of: ${ECOSYSTEMS.join(', ')})`);
  const verify = get('verify').trim() || 'download';
  if (verify !== 'download' && verify !== 'lockfile') throw new UsageError(`verify must be download or lockfile, got ${JSON.stringify(verify)}`);
  const token = get('token').trim();
  if (!token) throw new UsageError('token is empty: pass ${{ github.token }}, an app token or a personal access token');
  const base = get('base').trim();
  const commitMessage = get('commit-message').trim() || DEFAULT_MESSAGE;
  return {
    token,
    workingDirectory: get('working-directory').trim() || '.',
    outputDirectory: get('output-directory').trim() || 'lock2nix',
    ecosystems: ecos as Ecosystem[],
    mode,
    branch: checkBranch(get('branch').trim() || 'lock2nix/update', 'branch'),
    base: base ? checkBranch(base, 'base') : '',
    commitMessage,
    prTitle: get('pr-title').trim() || commitMessage.split('\n')[0]!,
    prBody: get('pr-body'),
    prLabels: listInput(get('pr-labels')),
    prAssignees: listInput(get('pr-assignees')),
    prReviewers: listInput(get('pr-reviewers')),
    prTeamReviewers: listInput(get('pr-team-reviewers')),
    draft: bool(get('draft'), 'draft', false),
    verify,
    deleteBranch: bool(get('delete-branch'), 'delete-branch', true),
    author: identityInput(get('author'), 'author', BOT),
    committer: identityInput(get('committer'), 'committer', BOT),
    cacheDir: get('cache-dir').trim(),
  };
}
