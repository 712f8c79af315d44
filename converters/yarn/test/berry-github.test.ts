// GitHub dependencies. Berry: Yarn's GitHub fetcher downloads GitHub's archive of the locked commit (which
// honours `.gitattributes` export-ignore and export-subst) instead of cloning, then packs it like a git
// dependency. lock2nix pins that archive; its zip is compared with the zip of the real Yarn 4's pack of the
// same archive, verified against the lockfile's checksum, and rebuilt by nix-build. Classic: yarn 1 writes
// GitHub dependencies as codeload tarball URLs, placed in the offline mirror under the name yarn 1 looks for.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CwdFS, npath } from '@yarnpkg/fslib';
import { tgzUtils } from '@yarnpkg/core';
import { HashMismatchError } from '@lock2nix/core';
import { git, nixBuildExpr, startGitServer, startServer, testWithTools } from '@lock2nix/fixtures';
import { serveGitHubArchives } from '../../../fixtures/src/github.ts';
import { checkoutToZip, tgzToZip } from '../src/berry-zip.mjs';
import { githubRepo } from '../src/git.ts';
import { builderExpr, convert } from './helpers.ts';
import { sealedEnv, tempHome, YARN1, YARN4, yarn } from './tools.ts';

const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex');

describe('GitHub URLs in Berry resolutions', () => {
  test.each([
    ['https://github.com/octo/dep.git#commit=0123', { owner: 'octo', repo: 'dep', treeish: '0123' }],
    ['https://github.com/octo/dep#commit=0123&workspace=x', { owner: 'octo', repo: 'dep', treeish: '0123' }],
    ['http://token@github.com/octo/dep.js.git#0123', { owner: 'octo', repo: 'dep.js', treeish: '0123' }],
    ['https://github.com/octo/dep.git#commit:0123', { owner: 'octo', repo: 'dep', treeish: '0123' }],
    ['git+ssh://git@github.com/octo/dep.git#commit=0123', undefined],
    ['https://gitlab.com/octo/dep.git#commit=0123', undefined],
    ['https://github.com/octo/dep/sub.git#commit=0123', undefined],
  ])('%s', (ref, want) => expect(githubRepo(ref)).toEqual(want));
});

describe('Berry GitHub dependencies', () => {
  testWithTools(['git', 'nix-build'], 'fetched as GitHub\'s archive: the zip equals real Yarn 4\'s pack of the archive, verified, rebuilt by nix-build', async () => {
    const gitServer = await startGitServer();
    const server = await startServer();
    try {
      const served = serveGitHubArchives(server, (o, r) => (o === 'octo' && r === 'ghdep' ? join(gitServer.root, 'octo/ghdep.git') : undefined));
      const commit = await gitServer.commit('octo/ghdep.git', {
        'package.json': JSON.stringify({ name: 'ghdep', version: '1.0.0', main: 'index.js', bin: { ghdep: './bin/cli.js' } }, null, 2) + '\n',
        'index.js': 'module.exports = "from github";\n',
        'bin/cli.js': { executable: '#!/usr/bin/env node\n' },
        'lib/util.js': 'kept\n',
        // left out of GitHub's archive, so out of the package; a clone would pack them
        '.gitattributes': '/tests export-ignore\nNOTES.md export-ignore\nversion.txt export-subst\n',
        'tests/t.js': 'in the clone only\n',
        'NOTES.md': 'in the clone only\n',
        // rewritten in the archive
        'version.txt': '$Format:%H$\n',
      });
      const archiveUrl = `${server.url}/octo/ghdep/archive/${commit}.tar.gz`;
      const spec = { prefix: 'node_modules/ghdep', level: 0 as const };

      // what Yarn's GitHub fetcher does: the archive extracted with Yarn's own code (one folder stripped),
      // `yarn pack --install-if-needed` in it (an empty yarn.lock makes it a project), the tarball zipped
      const tgz = Buffer.from(await (await fetch(archiveUrl)).arrayBuffer());
      const extracted = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-'));
      await tgzUtils.extractArchiveTo(tgz, new CwdFS(npath.toPortablePath(extracted)), { stripComponents: 1 });
      await writeFile(join(extracted, 'yarn.lock'), '');
      const home = await tempHome();
      await yarn(YARN4, extracted, ['pack', '--install-if-needed', '--filename', join(home, 'package.tgz')], sealedEnv(home, { YARN_ENABLE_GLOBAL_CACHE: 'false' }));
      const theirs = tgzToZip(await readFile(join(home, 'package.tgz')), spec);
      const checksum = sha512(theirs);
      expect(theirs.includes(Buffer.from('node_modules/ghdep/lib/util.js'))).toBe(true);
      expect(theirs.includes(Buffer.from('node_modules/ghdep/NOTES.md'))).toBe(false);
      expect(theirs.includes(Buffer.from('node_modules/ghdep/tests/'))).toBe(false);
      // a clone packs to another zip: the archive is what has to be pinned
      const clone = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-clone-'));
      await git(clone, 'clone', '-q', `${gitServer.url}/octo/ghdep.git`, '.');
      expect(sha512(checkoutToZip(clone, spec))).not.toBe(checksum);

      const project = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-project-'));
      const file = join(project, 'yarn.lock');
      const lock = (sum: string) => `__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"ghdep@github:octo/ghdep#commit=${commit}":\n  version: 1.0.0\n  resolution: "ghdep@https://github.com/octo/ghdep.git#commit=${commit}"\n  checksum: 10c0/${sum}\n  languageName: node\n  linkType: hard\n`;
      const env = { LOCK2NIX_YARN_GITHUB_URL: server.url };
      await writeFile(file, lock(checksum));
      const r = await convert(file, { offline: false, env });
      expect(r.unpinned).toEqual([]);
      const a = r.artifacts.find((x) => x.name === 'ghdep')!;
      expect(a.fetch).toEqual({ type: 'archive', urls: [archiveUrl], name: `ghdep-${commit.slice(0, 12)}-source` });
      expect(a.source).toMatchObject({ kind: 'git', url: 'https://github.com/octo/ghdep.git', rev: commit });
      expect(served).toContain(`octo/ghdep ${commit} 200`);
      // without the override, the archive comes from github.com itself (no network here: only the data is checked)
      const offline = await convert(file, { offline: true });
      expect(offline.artifacts.find((x) => x.name === 'ghdep')!.fetch).toMatchObject({ type: 'archive', urls: [`https://github.com/octo/ghdep/archive/${commit}.tar.gz`] });

      // the Nix builder makes the same zip from the fetched archive
      const data = join(project, 'yarn.nix');
      await writeFile(data, r.text);
      const cache = await nixBuildExpr(builderExpr(data));
      const built = await readFile(join(cache, a.cachePath));
      expect(sha512(built)).toBe(checksum);
      expect(built.equals(theirs)).toBe(true);

      // a checksum that is not the zip of the archive's pack: a mismatch naming package, archive URL, both hashes
      await writeFile(file, lock('0'.repeat(128)));
      const err = await convert(file, { offline: false, env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HashMismatchError);
      const m = err as HashMismatchError;
      expect([m.pkg, m.url, m.expected, m.actual]).toEqual(['ghdep 1.0.0', archiveUrl, '0'.repeat(128), checksum]);
      expect(m.message).toContain('packed GitHub archive');
    } finally {
      await server.close();
      await gitServer.close();
    }
  }, 240_000);

  test('git+ssh GitHub URLs and other hosts stay git clones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-units-'));
    const file = join(dir, 'yarn.lock');
    const c = 'a'.repeat(40);
    const entry = (n: string, res: string) => `"${n}@${res}":\n  version: 1.0.0\n  resolution: "${n}@${res}"\n  languageName: node\n  linkType: hard\n`;
    await writeFile(file, `__metadata:\n  version: 8\n  cacheKey: 10c0\n\n${entry('a', `git+ssh://git@github.com/o/a.git#commit=${c}`)}\n${entry('b', `https://gitlab.com/o/b.git#commit=${c}`)}\n${entry('d', `https://github.com/o/d.git#commit=${c}`)}`);
    const r = await convert(file, { offline: true });
    const by = Object.fromEntries(r.artifacts.map((x) => [x.name, x.fetch.type]));
    expect(by).toEqual({ a: 'git', b: 'git', d: 'archive' });
  });
});

describe('classic GitHub dependencies', () => {
  testWithTools(['git', 'nix-build'], 'a codeload tarball URL (what yarn 1 writes for GitHub) is placed under the name yarn 1 reads from its offline mirror', async () => {
    const gitServer = await startGitServer();
    const server = await startServer();
    try {
      serveGitHubArchives(server, (o, r) => (o === 'octo' && r === 'ghdep' ? join(gitServer.root, 'octo/ghdep.git') : undefined));
      const commit = await gitServer.commit('octo/ghdep.git', { 'package.json': JSON.stringify({ name: 'ghdep', version: '1.0.0', main: 'index.js' }), 'index.js': 'module.exports = "from codeload";\n' });
      const url = `${server.url}/codeload/octo/ghdep/tar.gz/${commit}`;
      const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-codeload-'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '0.0.0', private: true, dependencies: { ghdep: url } }));
      const home = await tempHome();
      await yarn(YARN1, dir, ['install', '--non-interactive', '--no-progress', '--ignore-scripts'], sealedEnv(home));
      const lockText = await readFile(join(dir, 'yarn.lock'), 'utf8');
      expect(lockText).toContain(`resolved "${url}`);

      const r = await convert(join(dir, 'yarn.lock'), { offline: false });
      const a = r.artifacts.find((x) => x.name === 'ghdep')!;
      expect(a.cachePath).toBe(commit);
      expect(a.fetch).toMatchObject({ type: 'file', urls: [url] });
      await writeFile(join(dir, 'yarn.nix'), r.text);
      const mirror = await nixBuildExpr(builderExpr(join(dir, 'yarn.nix')));
      await server.close();
      await gitServer.close();

      const fresh = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-codeload-offline-'));
      await writeFile(join(fresh, 'package.json'), await readFile(join(dir, 'package.json')));
      await writeFile(join(fresh, 'yarn.lock'), lockText);
      await writeFile(join(fresh, '.yarnrc'), `yarn-offline-mirror "${mirror}"\n`);
      const home2 = await tempHome();
      await yarn(YARN1, fresh, ['install', '--offline', '--frozen-lockfile', '--non-interactive', '--no-progress', '--ignore-scripts'], sealedEnv(home2));
      expect(await readFile(join(fresh, 'node_modules/ghdep/index.js'), 'utf8')).toContain('from codeload');
    } finally {
      await server.close().catch(() => undefined);
      await gitServer.close().catch(() => undefined);
    }
  }, 240_000);
});
