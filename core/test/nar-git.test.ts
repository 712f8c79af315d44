// Git tree NAR hashes against nix-hash of a real checkout with .git removed (what fetchgit hashes).

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import { Lock2nixError, bytesToHex } from '../src/index.ts';
import { gitNarHash, gitNarHashBytes, gitTree, type GitSubmodule } from '../src/hash/git.ts';
import { treeNarHashBytes } from '../src/hash/tree.ts';
import { writeRandomTree } from './nar-fixtures.ts';

const run = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1', GIT_ALLOW_PROTOCOL: 'file',
};
const sh = async (script: string, ...args: string[]) => (await run('sh', ['-ec', script, 'sh', ...args], { env: GIT_ENV, maxBuffer: 64 << 20 })).stdout.trim();

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-gitnar-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function nixHashes(paths: string[]): Promise<string[]> {
  return (await runNix('nix-hash', ['--type', 'sha256', ...paths])).trim().split('\n');
}

/** commit everything in `dir` and make a clone without .git (what fetchgit leaves) */
async function commitAndCheckout(dir: string, bare = false): Promise<{ rev: string; checkout: string; repo: string }> {
  const rev = await sh(`cd "$1"; git init -q; git add -A; git commit -qm x --allow-empty; git rev-parse HEAD`, dir);
  const checkout = `${dir}.co`;
  await sh(`git clone -q "$1" "$2"; rm -rf "$2/.git"`, dir, checkout);
  let repo = dir;
  if (bare) {
    repo = `${dir}.git`;
    await sh(`git clone -q --bare "$1" "$2"`, dir, repo);
  }
  return { rev, checkout, repo };
}

describe('git tree NAR hash against nix-hash of a checkout', () => {
  testWithTools(['nix-hash', 'git'], '25 random repositories (bare and not), at a commit id and at a branch name', async () => {
    const cases: { repo: string; rev: string; checkout: string }[] = [];
    for (let i = 0; i < 25; i++) {
      const dir = join(work, `r${i}`);
      await writeRandomTree(dir, 9000 + i);
      cases.push(await commitAndCheckout(dir, i % 2 === 1));
    }
    const expected = await nixHashes(cases.map((c) => c.checkout));
    const ours: string[] = [];
    for (const c of cases) ours.push(bytesToHex(await gitNarHashBytes(c.repo, c.rev)));
    expect(ours).toEqual(expected);
    expect(bytesToHex(await gitNarHashBytes(cases[0]!.repo, 'HEAD'))).toBe(expected[0]);
  });

  testWithTools(['nix-hash', 'git'], 'submodules: empty folder without fetchSubmodules, the resolved tree with it', async () => {
    const lib = join(work, 'lib');
    await writeRandomTree(lib, 77);
    await writeFile(join(lib, 'lib.txt'), 'lib');
    await sh(`cd "$1"; git init -q; git add -A; git commit -qm lib`, lib);
    const app = join(work, 'app');
    await mkdir(join(app, 'src'), { recursive: true });
    await writeFile(join(app, 'src/main.txt'), 'main');
    await sh(`cd "$1"; git init -q; git -c protocol.file.allow=always submodule add -q "$2" vendor/lib; git add -A; git commit -qm app`, app, lib);
    const rev = await sh(`cd "$1"; git rev-parse HEAD`, app);
    // without submodules: a clone leaves an empty folder; with them: the submodule's files, no .git
    await sh(`git clone -q "$1" "$1.plain"; rm -rf "$1.plain/.git"
      git -c protocol.file.allow=always clone -q --recurse-submodules "$1" "$1.full"; find "$1.full" -name .git -exec rm -rf {} +`, app);
    const [plain, full] = await nixHashes([`${app}.plain`, `${app}.full`]);

    const t = await gitTree(app, rev);
    expect(t.submodules).toEqual([{ path: 'vendor/lib', rev: await sh(`cd "$1"; git rev-parse HEAD`, lib), name: 'vendor/lib', url: lib }]);
    expect(bytesToHex(await treeNarHashBytes(t.root))).toBe(plain);
    await t.close();

    const seen: GitSubmodule[] = [];
    const closers: (() => Promise<void>)[] = [];
    const hash = await gitNarHashBytes(app, rev, {
      submodules: async (sub) => {
        seen.push(sub);
        const st = await gitTree(sub.url!, sub.rev);
        closers.push(st.close);
        return st.root;
      },
    });
    for (const c of closers) await c();
    expect(bytesToHex(hash)).toBe(full);
    expect(seen.map((s) => s.path)).toEqual(['vendor/lib']);
  });

  testWithTools(['git'], '.gitattributes that rewrite the checkout are refused; harmless ones are not', async () => {
    const a = join(work, 'attrs');
    await mkdir(a);
    await writeFile(join(a, '.gitattributes'), '# ident here is a comment\n*.bin -text -crlf\n*.txt text eol=lf\n');
    await writeFile(join(a, 'a.txt'), 'x\n');
    const { rev } = await commitAndCheckout(a);
    expect(await gitNarHash(a, rev)).toMatch(/^sha256-/);
    await writeFile(join(a, '.gitattributes'), '*.txt text eol=crlf\n');
    const rev2 = await sh(`cd "$1"; git commit -qam crlf; git rev-parse HEAD`, a);
    await expect(gitNarHash(a, rev2)).rejects.toThrow(/eol=crlf/);
    await writeFile(join(a, '.gitattributes'), '*.c ident\n');
    const rev3 = await sh(`cd "$1"; git commit -qam ident; git rev-parse HEAD`, a);
    await expect(gitNarHash(a, rev3)).rejects.toThrow(Lock2nixError);
  });

  testWithTools(['git'], 'an unknown revision is a Lock2nixError', async () => {
    const a = join(work, 'attrs');
    await expect(gitNarHash(a, '0'.repeat(40))).rejects.toThrow(Lock2nixError);
    await expect(gitNarHash(join(work, 'nope'), 'HEAD')).rejects.toThrow(Lock2nixError);
  });
});
