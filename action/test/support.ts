// A real repository for the action to work on: a bare repository as `origin`, a clone as the runner's
// checkout, the loopback GitHub API in front of them, and the action's entry point run as the runner runs it
// (node dist/index.js with INPUT_* variables and a GITHUB_OUTPUT file).

import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startGitHub, type GitHubFixture } from '../../fixtures/src/github.ts';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ENTRY = join(ROOT, 'dist/index.js');
export const PROJECT = join(ROOT, 'fixtures/projects/update');
export const TOKEN = 'ghs_fixtureTokenThatMustNeverBeLogged0001';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'dev@example.invalid', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'dev@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: GIT_ENV });
  return stdout.trim();
}

export interface Sandbox {
  dir: string;
  /** the bare repository: origin */
  remote: string;
  /** the runner's checkout */
  work: string;
  gh: GitHubFixture;
  /** a branch's commit on the remote, or undefined */
  remoteRef(branch: string): Promise<string | undefined>;
  /** run the entry point; returns its outputs, exit code and everything it printed */
  action(inputs: Record<string, string>, env?: Record<string, string>): Promise<{ outputs: Record<string, string>; code: number; log: string; summary: string }>;
  close(): Promise<void>;
}

/** Parse a GITHUB_OUTPUT file (`name<<delimiter` blocks as @actions/core writes them, or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = /^([^=<]+)<<(.+)$/.exec(l);
    if (m) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== m[2]) value.push(lines[i]!);
      out[m[1]!] = value.join('\n');
    } else if (l.includes('=')) out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  }
  return out;
}

/** A repository whose main branch holds `fixtures/projects/update/project` (and, if asked, its pins). */
export async function sandbox(opts: { http?: boolean } = {}): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'lock2nix-action-'));
  const remote = join(dir, 'origin.git');
  const work = join(dir, 'work');
  await run('git', ['init', '-q', '--bare', '-b', 'main', remote], { env: GIT_ENV });
  await mkdir(work);
  await git(work, 'init', '-q', '-b', 'main');
  await cp(join(PROJECT, 'project'), work, { recursive: true });
  await git(work, 'add', '-A');
  await git(work, 'commit', '-q', '-m', 'project');
  await git(work, 'remote', 'add', 'origin', remote);
  await git(work, 'push', '-q', 'origin', 'main');
  const remoteRef = async (branch: string) => {
    try {
      return (await run('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`], { env: GIT_ENV })).stdout.trim();
    } catch {
      return undefined;
    }
  };
  const gh = await startGitHub({ token: TOKEN, owner: 'octo', repo: 'demo', resolveRef: remoteRef, ...(opts.http ? { bareRepo: remote } : {}) });
  // over HTTP the checkout's origin is the repository as github.com would serve it (token required)
  if (opts.http) await git(work, 'remote', 'set-url', 'origin', `${gh.url}/octo/demo.git`);
  return {
    dir, remote, work, gh, remoteRef,
    async action(inputs, env = {}) {
      const outFile = join(dir, `output-${Date.now()}-${Math.random().toString(36).slice(2)}`);
      await writeFile(outFile, '');
      await writeFile(`${outFile}.summary`, '');
      const vars: Record<string, string> = {
        PATH: process.env.PATH ?? '', HOME: dir, CARGO_HOME: join(dir, 'cargo-home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
        GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'octo/demo', GITHUB_API_URL: gh.url, GITHUB_SERVER_URL: opts.http ? gh.url : 'https://github.invalid',
        GITHUB_WORKSPACE: work, GITHUB_OUTPUT: outFile, GITHUB_STEP_SUMMARY: `${outFile}.summary`, RUNNER_TEMP: dir, XDG_CACHE_HOME: join(dir, 'cache'),
        ...env,
      };
      for (const [k, v] of Object.entries({ token: TOKEN, ...inputs })) vars[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
      let code = 0;
      let log = '';
      try {
        const r = await run(process.execPath, [ENTRY], { cwd: work, env: vars, maxBuffer: 64 * 1024 * 1024 });
        log = r.stdout + r.stderr;
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        code = err.code ?? 1;
        log = (err.stdout ?? '') + (err.stderr ?? '');
      }
      // the next job starts from a clean checkout, as on a runner
      await git(work, 'reset', '-q', '--hard');
      await git(work, 'clean', '-qfd');
      return { outputs: parseOutputFile(await readFile(outFile, 'utf8')), code, log, summary: await readFile(`${outFile}.summary`, 'utf8') };
    },
    async close() {
      await gh.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
