// GitHub dependencies. Berry: Yarn's GitHub fetcher downloads GitHub's archive of the locked commit (which
// honours `.gitattributes` export-ignore and export-subst) instead of cloning, then packs it like a git
// dependency. The real Yarn 4 fetches it from a loopback github.com (an https proxy with a throw-away CA) and
// writes the checksum and its cache zip; lock2nix pins the same archive, verifies the checksum, and nix-build
// makes the same zip, from which Yarn installs offline. Classic: yarn 1 writes GitHub dependencies as
// codeload tarball URLs, placed in the offline mirror under the name yarn 1 looks for.

import { createHash } from 'node:crypto';
import { chmod, cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CwdFS, npath } from '@yarnpkg/fslib';
import { tgzUtils } from '@yarnpkg/core';
import { HashMismatchError } from '@lock2nix/core';
import { git, nixBuildExpr, startGitServer, startServer, testWithTools } from '@lock2nix/fixtures';
import { serveGitHubArchives, startGitHubTlsProxy } from '../../../fixtures/src/github.ts';
import { checkoutToZip } from '@lock2nix/templates/lib/yarn-berry-zip.mjs';
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
  testWithTools(['git', 'openssl', 'nix-build'], 'real Yarn 4 fetches GitHub\'s archive (loopback github.com); lock2nix pins the same archive, verifies the checksum, nix-build makes Yarn\'s zip; yarn install --immutable offline', async () => {
    const gitServer = await startGitServer();
    const server = await startServer();
    // github.com and codeload.github.com for Yarn: an https proxy with a throw-away CA, forwarding to the
    // archive endpoint on the fixture server (Yarn's GitHub fetcher always asks https://github.com)
    const github = await startGitHubTlsProxy(server);
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

      // the project as `yarn add github:octo/ghdep#commit=...` leaves it (resolution written here: resolving
      // runs git ls-remote on github.com); Yarn fetches, packs, and writes the checksum and its cache zip
      const project = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-project-'));
      const descriptor = `github:octo/ghdep#commit=${commit}`;
      await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { ghdep: descriptor } }));
      await writeFile(join(project, 'yarn.lock'), `__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n  dependencies:\n    ghdep: "${descriptor}"\n  languageName: unknown\n  linkType: soft\n\n"ghdep@${descriptor}":\n  version: 1.0.0\n  resolution: "ghdep@https://github.com/octo/ghdep.git#commit=${commit}"\n  languageName: node\n  linkType: hard\n`);
      const home = await tempHome();
      const yarnEnv = sealedEnv(home, { YARN_HTTPS_PROXY: github.url, YARN_HTTPS_CA_FILE_PATH: github.caFile, YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' });
      await yarn(YARN4, project, ['install'], yarnEnv);
      expect(github.connects).toEqual(['github.com:443', 'codeload.github.com:443']);
      const lockText = await readFile(join(project, 'yarn.lock'), 'utf8');
      const checksum = /ghdep@https:[^\n]*\n(?: {2}.*\n)*? {2}checksum: 10c0\/([0-9a-f]{128})/.exec(lockText)?.[1];
      expect(checksum, 'Yarn wrote a checksum for the GitHub dependency').toBeDefined();
      const yarnZipName = (await readdir(join(home, 'yarn-cache'))).find((f) => f.startsWith('ghdep-'))!;
      const yarnZip = await readFile(join(home, 'yarn-cache', yarnZipName));
      expect(sha512(yarnZip)).toBe(checksum);
      expect(yarnZip.includes(Buffer.from('node_modules/ghdep/lib/util.js'))).toBe(true);
      expect(yarnZip.includes(Buffer.from('node_modules/ghdep/NOTES.md'))).toBe(false);
      expect(yarnZip.includes(Buffer.from('node_modules/ghdep/tests/'))).toBe(false);
      // a clone packs to another zip: the archive is what has to be pinned
      const clone = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-clone-'));
      await git(clone, 'clone', '-q', `${gitServer.url}/octo/ghdep.git`, '.');
      expect(sha512(checkoutToZip(clone, spec))).not.toBe(checksum);

      // lock2nix: the archive from the fixture server (LOCK2NIX_YARN_GITHUB_URL), verified against the checksum
      const file = join(project, 'yarn.lock');
      const env = { LOCK2NIX_YARN_GITHUB_URL: server.url };
      const r = await convert(file, { offline: false, env });
      expect(r.unpinned).toEqual([]);
      const a = r.artifacts.find((x) => x.name === 'ghdep')!;
      expect(a.fetch).toEqual({ type: 'archive', urls: [archiveUrl], name: `ghdep-${commit.slice(0, 12)}-source` });
      expect(a.source).toMatchObject({ kind: 'git', url: 'https://github.com/octo/ghdep.git', rev: commit });
      expect(served.filter((x) => x.endsWith('200')).length).toBeGreaterThanOrEqual(2);
      // without the override, the archive comes from github.com itself (no network here: only the data is checked)
      const offline = await convert(file, { offline: true });
      expect(offline.artifacts.find((x) => x.name === 'ghdep')!.fetch).toMatchObject({ type: 'archive', urls: [`https://github.com/octo/ghdep/archive/${commit}.tar.gz`] });

      // the Nix builder makes Yarn's zip, byte for byte, from the fetched archive
      const data = join(project, 'yarn.json');
      await writeFile(data, r.text);
      const cache = await nixBuildExpr(builderExpr(data));
      expect(await readdir(cache)).toContain(yarnZipName);
      expect((await readFile(join(cache, yarnZipName))).equals(yarnZip)).toBe(true);

      // Yarn installs from the Nix-built cache with the network off and the lockfile unchanged
      await server.close();
      await github.close();
      const fresh = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-offline-'));
      await writeFile(join(fresh, 'package.json'), await readFile(join(project, 'package.json')));
      await writeFile(join(fresh, 'yarn.lock'), lockText);
      await writeFile(join(fresh, '.yarnrc.yml'), 'enableNetwork: false\nnodeLinker: node-modules\n');
      await cp(cache, join(fresh, '.yarn/cache'), { recursive: true, dereference: true });
      await chmod(join(fresh, '.yarn/cache'), 0o755);
      for (const f of await readdir(join(fresh, '.yarn/cache'))) await chmod(join(fresh, '.yarn/cache', f), 0o644);
      const home2 = await tempHome();
      await yarn(YARN4, fresh, ['install', '--immutable'], sealedEnv(home2, { YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_CACHE_FOLDER: join(fresh, '.yarn/cache') }));
      expect(await readFile(join(fresh, 'node_modules/ghdep/index.js'), 'utf8')).toContain('from github');
      expect(await readFile(join(fresh, 'node_modules/ghdep/version.txt'), 'utf8')).toBe(`${commit}\n`);
      expect(await readFile(join(fresh, 'yarn.lock'), 'utf8')).toBe(lockText);
    } finally {
      await github.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await gitServer.close();
    }
  }, 240_000);

  testWithTools(['git'], 'a checksum that is not the zip of the archive\'s pack is a mismatch naming package, archive URL and both hashes', async () => {
    const gitServer = await startGitServer();
    const server = await startServer();
    try {
      serveGitHubArchives(server, (o, r) => (o === 'octo' && r === 'ghdep' ? join(gitServer.root, 'octo/ghdep.git') : undefined));
      const commit = await gitServer.commit('octo/ghdep.git', { 'package.json': '{"name":"ghdep","version":"1.0.0"}', 'index.js': 'x\n', '.gitattributes': 'extra.js export-ignore\n', 'extra.js': 'y\n' });
      // what lock2nix must find: the pack of the archive (Yarn's own extraction, one folder stripped)
      const tgz = Buffer.from(await (await fetch(`${server.url}/octo/ghdep/archive/${commit}.tar.gz`)).arrayBuffer());
      const extracted = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-'));
      await tgzUtils.extractArchiveTo(tgz, new CwdFS(npath.toPortablePath(extracted)), { stripComponents: 1 });
      const actual = sha512(checkoutToZip(extracted, { prefix: 'node_modules/ghdep', level: 0 }));
      const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-gh-bad-'));
      const file = join(dir, 'yarn.lock');
      await writeFile(file, `__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"ghdep@github:octo/ghdep#commit=${commit}":\n  version: 1.0.0\n  resolution: "ghdep@https://github.com/octo/ghdep.git#commit=${commit}"\n  checksum: 10c0/${'0'.repeat(128)}\n  languageName: node\n  linkType: hard\n`);
      const err = await convert(file, { offline: false, env: { LOCK2NIX_YARN_GITHUB_URL: server.url } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HashMismatchError);
      const m = err as HashMismatchError;
      expect([m.pkg, m.url, m.expected, m.actual]).toEqual(['ghdep 1.0.0', `${server.url}/octo/ghdep/archive/${commit}.tar.gz`, '0'.repeat(128), actual]);
      expect(m.message).toContain('packed GitHub archive');
    } finally {
      await server.close();
      await gitServer.close();
    }
  }, 120_000);

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
      await writeFile(join(dir, 'yarn.json'), r.text);
      const mirror = await nixBuildExpr(builderExpr(join(dir, 'yarn.json')));
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
