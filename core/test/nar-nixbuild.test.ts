// End to end: the hashes we compute make real fixed-output builds (the test harness' fetchzip and fetchgit)
// succeed. One nix-build for all of them; a wrong hash fails the build with "hash mismatch".

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { TEST_PKGS, nixBuildExpr, startGitServer, testWithTools } from '@lock2nix/fixtures';
import { archiveNarHash, gitNarHash, nixString } from '../src/index.ts';
import { writeRandomTree } from './nar-fixtures.ts';

const run = promisify(execFile);
const sh = async (script: string, ...args: string[]) =>
  (await run('sh', ['-ec', script, 'sh', ...args], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })).stdout.trim();

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-narbuild-'));
  await chmod(work, 0o755); // builds run as a nixbld user
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('hashes accepted by real fixed-output builds', () => {
  testWithTools(['nix-build', 'tar', 'zip', 'git', 'curl'], 'fetchzip (tar.gz, zip) and fetchgit build with our hashes', async () => {
    const fetches: string[] = [];
    const server = await startGitServer();
    for (let i = 0; i < 3; i++) {
      const dir = join(work, `s${i}`);
      await writeRandomTree(join(dir, 'pkg'), 31_000 + i, { noReplacementChar: true });
      await sh(`cd "$1"; tar -czf ../s$2.tar.gz pkg; zip -qry ../s$2.zip pkg`, dir, String(i));
      for (const ext of ['tar.gz', 'zip']) {
        const file = join(work, `s${i}.${ext}`);
        fetches.push(`(fetchzip { url = ${nixString(`file://${file}`)}; hash = ${nixString(await archiveNarHash(file))}; })`);
      }
    }
    for (let i = 0; i < 2; i++) {
      const repo = join(work, `g${i}`);
      await writeRandomTree(repo, 32_000 + i);
      const rev = await sh(`cd "$1"; git init -q; git add -A; git commit -qm x --allow-empty; git rev-parse HEAD`, repo);
      // served by the loopback git daemon: the build user may not read our folders as a repository
      await sh(`git clone -q --bare "$1" "$2"`, repo, join(server.root, `g${i}.git`));
      fetches.push(`(fetchgit { url = ${nixString(`${server.url}/g${i}.git`)}; rev = "${rev}"; hash = ${nixString(await gitNarHash(repo, rev))}; })`);
    }
    try {
      const out = await nixBuildExpr(`with import ${TEST_PKGS} { }; [ ${fetches.join(' ')} ]`);
      expect(out).toMatch(/^\/nix\/store\//);
    } finally {
      await server.close();
    }
  }, 300_000);
});
