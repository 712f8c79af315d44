// Yarn 2.4 (cacheKey 7, 7c0) and Yarn 3.8 (cacheKey 8) lockfiles (and Yarn 4 zips), with the real Yarn of each version against
// the loopback registry:
// - every zip Yarn put in its cache equals the zip lock2nix rebuilds from the registry's tarball (and every
//   lockfile checksum is the sha512 of one of them);
// - end to end: lock2nix pins and verifies the lockfile, nix-build assembles the cache (byte-identical to
//   Yarn's), and the same Yarn installs from it with `--immutable` and the network off, as
//   the project cache and as the global mirror.

import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect } from 'vitest';
import { git, nixBuildExpr, startGitServer, startServer, testWithTools, type FixtureServer, type GitServer } from '@lock2nix/fixtures';
import { addNpmRegistry, makeTar, makeTgz, type NpmPackageSpec, type NpmRegistry } from '../../../fixtures/src/registries/npm.ts';
import { checkoutToZip, tgzToZip } from '@lock2nix/templates/lib/yarn-berry-zip.mjs';
import { installedLibzipSync, LIBZIP_YARN2, LIBZIP_YARN3, LIBZIP_YARN4, type LibzipBuild } from '../src/libzip.ts';
import { builderExpr, GITDEP } from './helpers.ts';
import { copyProject, lock2nix, sealedEnv, tempHome, yarn, YARN2, YARN3, YARN4 } from './tools.ts';

interface Flavour {
  name: string;
  bin: string;
  compression: '0' | 'mixed';
  cacheKey: string;
  libzip: LibzipBuild;
}

const FLAVOURS: Flavour[] = [
  { name: 'Yarn 2.4', bin: YARN2, compression: 'mixed', cacheKey: '7', libzip: LIBZIP_YARN2 },
  { name: 'Yarn 2.4', bin: YARN2, compression: '0', cacheKey: '7c0', libzip: LIBZIP_YARN2 },
  { name: 'Yarn 3.8', bin: YARN3, compression: 'mixed', cacheKey: '8', libzip: LIBZIP_YARN3 },
];
// Yarn 4 has its own end-to-end test (e2e-berry.test.ts); here only its zips, with the same packages
const ZIP_FLAVOURS: Flavour[] = [...FLAVOURS, { name: 'Yarn 4', bin: YARN4, compression: 'mixed', cacheKey: '10', libzip: LIBZIP_YARN4 }, { name: 'Yarn 4', bin: YARN4, compression: '0', cacheKey: '10c0', libzip: LIBZIP_YARN4 }];

// pseudo-random words (12 KB) that deflate differently with the libzip builds of Yarn 4 and of Yarn 2/3 (those
// two compress them alike: Yarn 2.4's build is told apart from Yarn 3's only by the wasm itself)
const WORDS = ['const', 'return', 'function', 'value', 'module', 'exports', 'require', 'if', 'else', 'for', 'while', 'let', 'buffer', 'length', 'index', 'name', 'path', 'zip', 'yarn', 'cache'];
const LONG_TEXT = ((): string => {
  let x = 12345;
  let out = '';
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += WORDS[x % WORDS.length]! + ((x >> 8) % 7 === 0 ? ';\n' : (x >> 8) % 3 === 0 ? '(' : ' ');
  }
  return out;
})();

const PACKAGES: NpmPackageSpec[] = [
  { name: '@fix/scoped', version: '1.0.0', files: { 'index.js': 'module.exports = "scoped 1.0.0";\n' } },
  { name: '@fix/scoped', version: '1.2.0', files: { 'index.js': 'module.exports = "scoped 1.2.0";\n', 'bin/cli.js': '#!/usr/bin/env node\nconsole.log("fix-cli");\n' }, bin: { 'fix-cli': './bin/cli.js' } },
  { name: 'left-pad', version: '1.0.0', files: { 'index.js': 'module.exports = "left-pad 1.0.0";\n' } },
  { name: 'left-pad', version: '1.3.0', files: { 'index.js': 'module.exports = "left-pad 1.3.0";\n' }, dependencies: { '@fix/scoped': '^1.0.0' } },
  {
    name: 'multi-tool',
    version: '2.1.0',
    files: {
      'index.js': 'module.exports = require("./lib/core/main.js");\n',
      'lib/core/main.js': LONG_TEXT,
      'lib/core/util.js': 'module.exports = 1;\n',
      'lib/extra/deep/leaf.json': '{"leaf": true}\n',
      // longer than the 100 bytes of a tar name: split into the ustar prefix and name fields
      [`lib/${'long-folder-'.repeat(8)}/file.js`]: 'module.exports = "long";\n',
      'bin/one.js': '#!/usr/bin/env node\nconsole.log("one");\n',
      'bin/two.js': '#!/usr/bin/env node\nconsole.log("two");\n',
      'README.md': '# multi-tool\n',
      'LICENSE': 'MIT\n',
    },
    bin: { 'multi-one': './bin/one.js', 'multi-two': './bin/two.js' },
  },
];

/** A tarball whose run.sh is 0644 in its ustar header and 0755 in a pax header (node-tar and tar-stream disagree). */
function paxTgz(): Buffer {
  const strip = (tar: Buffer) => tar.subarray(0, tar.length - 1024);
  const record = ' mode=0755\n';
  const paxBody = `${record.length + 2}${record}`;
  const pax = Buffer.from(strip(makeTar({ 'package/PaxHeader/run.sh': { content: paxBody } })));
  pax.write('x', 156, 'latin1');
  pax.fill(' ', 148, 156);
  let sum = 0;
  for (const b of pax.subarray(0, 512)) sum += b;
  pax.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const manifest = makeTar({ 'package/package.json': { content: '{"name":"pax-pkg","version":"1.0.0"}\n' } });
  const run = makeTar({ 'package/run.sh': { content: 'echo pax\n', mode: 0o644 } });
  return gzipSync(Buffer.concat([strip(manifest), pax, strip(run), Buffer.alloc(1024)]));
}

interface Setup {
  server: FixtureServer;
  gitServer: GitServer;
  reg: NpmRegistry;
  dir: string;
  home: string;
  lockText: string;
  yarnCache: string;
  pax: Buffer;
}


async function setup(f: Flavour): Promise<Setup> {
  const server = await startServer();
  const gitServer = await startGitServer();
  await gitServer.commit('gitdep.git', GITDEP);
  const reg = addNpmRegistry(server);
  for (const p of PACKAGES) reg.publish(p);
  const pax = paxTgz();
  server.file('/tarballs/pax-pkg-1.0.0.tgz', pax);
  const gitHost = gitServer.url.replace(/^git:\/\//, '');
  const dir = await copyProject('berry-old', { REGISTRY: reg.url, PAX_URL: `${server.url}/tarballs/pax-pkg-1.0.0.tgz`, GIT_HOST: gitHost });
  if (f.bin === YARN4) await writeFile(join(dir, '.yarnrc.yml'), (await readFile(join(dir, '.yarnrc.yml'), 'utf8')) + `approvedGitRepositories:\n  - "git://${gitHost}/**"\n`);
  if (f.compression === '0' || f.cacheKey === '10') await writeFile(join(dir, '.yarnrc.yml'), (await readFile(join(dir, '.yarnrc.yml'), 'utf8')) + `compressionLevel: ${f.compression}\n`);
  await writeFile(join(dir, 'yarn.lock'), '');
  const home = await tempHome();
  await yarn(f.bin, dir, ['install'], sealedEnv(home, { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_GLOBAL_CACHE: 'false' }));
  const lockText = await readFile(join(dir, 'yarn.lock'), 'utf8');
  expect(lockText).toContain(`  cacheKey: ${f.cacheKey}\n`);
  return { server, gitServer, reg, dir, home, lockText, yarnCache: join(home, 'yarn-cache'), pax };
}

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) await chmod(join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o644);
}

describe('Yarn 2.4, 3.8 and 4 cache zips', () => {
  for (const f of ZIP_FLAVOURS) {
    testWithTools(['git'], `${f.name} (compressionLevel ${f.compression}): every zip in Yarn's cache is the zip lock2nix rebuilds`, async () => {
      const s = await setup(f);
      try {
        const level = f.compression === '0' ? 0 : 'mixed';
        const libzip = level === 0 ? undefined : installedLibzipSync(f.libzip);
        const rebuilt = new Map<string, Buffer>();
        const add = (tgz: Buffer, prefix: string) => {
          const zip = tgzToZip(tgz, { prefix, level, cacheKey: f.cacheKey }, libzip);
          rebuilt.set(sha512(zip), zip);
        };
        for (const p of PACKAGES) add(s.reg.tarball(p.name, p.version).bytes, `node_modules/${p.name}`);
        add(s.pax, 'node_modules/pax-pkg');
        const checkout = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-old-checkout-'));
        await git(tmpdir(), 'clone', '-q', `${s.gitServer.url}/gitdep.git`, checkout);
        await rm(join(checkout, '.git'), { recursive: true });
        const gitZip = checkoutToZip(checkout, { prefix: 'node_modules/gitdep', level, cacheKey: f.cacheKey }, libzip);
        rebuilt.set(sha512(gitZip), gitZip);
        await rm(checkout, { recursive: true });
        // patch: and file: zips are made by Yarn at install (from the cache and the project), not by lock2nix
        const zips = (await readdir(s.yarnCache)).filter((n) => n.endsWith('.zip') && !n.includes('-patch-') && !n.includes('-file-'));
        expect(zips.length).toBe(7);
        for (const n of zips) {
          const theirs = await readFile(join(s.yarnCache, n));
          expect(rebuilt.get(sha512(theirs))?.equals(theirs), `${n} rebuilt byte for byte`).toBe(true);
        }
        const checksums = [...s.lockText.matchAll(/^ {2}resolution: "(?:@[^/@]+\/)?[^@]+@(npm|http|git)[^"]*"\n(?: {2}.*\n)*? {2}checksum: (?:\w+\/)?([0-9a-f]{128})$/gm)].map((m) => m[2]!);
        expect(checksums.length).toBe(7);
        for (const c of checksums) expect(rebuilt.has(c), `checksum ${c.slice(0, 10)} is of a rebuilt zip`).toBe(true);
        // neither tar-stream (Yarn 2) nor node-tar (Yarn 3, 4) takes the mode from a pax header
        const paxZip = tgzToZip(s.pax, { prefix: 'node_modules/pax-pkg', level: 0, cacheKey: f.cacheKey });
        const attr = paxZip.readUInt32LE(paxZip.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1')) + 38) >>> 16;
        expect(attr & 0o777).toBe(0o644);
      } finally {
        await s.server.close();
        await s.gitServer.close();
      }
    });
  }
});

describe('Yarn 2.4 and 3.8 end to end', () => {
  for (const f of FLAVOURS) {
    testWithTools(['nix-build', 'git'], `${f.name} lockfile (compressionLevel ${f.compression}) -> lock2nix -> nix-build cache -> yarn install --immutable, network off`, async () => {
      const s = await setup(f);
      try {
        // deflated zips are compressed by Yarn's libzip: served here from the installed copy (the real tarball
        // is pinned by its integrity when it comes from a registry)
        const libzipTgz = makeTgz({ 'package/package.json': { content: '{"name":"@yarnpkg/libzip"}' }, 'package/lib/libzipSync.js': { content: await readFile(installedLibzipSync(f.libzip)) } });
        s.server.file('/tools/libzip.tgz', libzipTgz);
        const l2nEnv = sealedEnv(s.home, { LOCK2NIX_YARN_LIBZIP_URL: `${s.server.url}/tools/libzip.tgz` });
        const out = join(s.dir, 'lock2nix');
        const log = await lock2nix(s.dir, ['yarn', '--out', out], l2nEnv);
        expect(log).toContain('0 unpinned');
        expect(log).not.toMatch(/not verified|cannot rebuild|could not compare/);
        await lock2nix(s.dir, ['yarn', '--out', out, '--check'], l2nEnv);
        const data = await readFile(join(out, 'yarn.json'), 'utf8');
        expect(data).toContain(`"cacheKey": "${f.cacheKey}"`);
        if (f.compression === 'mixed') expect(data).toContain(`"libzip": "${f.libzip.version}"`);

        const cache = await nixBuildExpr(builderExpr(join(out, 'yarn.json')));
        const ours = new Set(await readdir(cache));
        let compared = 0;
        for (const n of await readdir(s.yarnCache)) {
          if (!n.endsWith('.zip') || n.includes('-patch-') || n.includes('-file-')) continue;
          expect(ours.has(n), `${n} in the Nix-built cache`).toBe(true);
          expect((await readFile(join(cache, n))).equals(await readFile(join(s.yarnCache, n))), `${n} byte-identical`).toBe(true);
          compared++;
        }
        expect(compared).toBe(7);
        expect(log).not.toMatch(/gitdep.*(network|not verified)/);
        await s.server.close();
        await s.gitServer.close();

        const check = async (fresh: string) => {
          const req = (m: string, file = 'index.js') => readFile(join(fresh, 'node_modules', m, file), 'utf8');
          expect(await req('@fix/scoped')).toContain('scoped 1.2.0');
          expect(await req('left-pad')).toContain('patched left-pad');
          expect(await req('local-pkg')).toContain('local');
          expect(await req('gitdep')).toContain('from git');
          expect(await req('gitdep', 'sub/keep.js')).toBe('kept\n');
          expect(await req('ws-a', 'package.json')).toContain('"ws-a"');
          expect(await req('pad-alias')).toContain('left-pad 1.0.0');
          expect(await req('multi-tool', 'lib/core/main.js')).toBe(LONG_TEXT);
          expect(await req('multi-tool', 'lib/extra/deep/leaf.json')).toContain('leaf');
          expect(await req('multi-tool', `lib/${'long-folder-'.repeat(8)}/file.js`)).toContain('long');
          expect((await stat(join(fresh, 'node_modules/multi-tool/bin/two.js'))).mode & 0o111).not.toBe(0);
          expect(await req('pax-pkg', 'run.sh')).toBe('echo pax\n');
          expect(await readFile(join(fresh, 'node_modules/.bin/multi-one'), 'utf8')).toContain('one');
          expect(await readFile(join(fresh, 'yarn.lock'), 'utf8')).toBe(s.lockText);
        };
        const project = async (label: string) => {
          const fresh = await mkdtemp(join(tmpdir(), `lock2nix-yarn-old-${label}-`));
          for (const n of ['package.json', 'yarn.lock', '.yarnrc.yml', 'packages', 'local-pkg', 'patches']) await cp(join(s.dir, n), join(fresh, n), { recursive: true });
          await writeFile(join(fresh, '.yarnrc.yml'), (await readFile(join(fresh, '.yarnrc.yml'), 'utf8')) + 'enableNetwork: false\n');
          return fresh;
        };

        // the output copied to the project cache
        const fresh = await project('cache');
        await cp(cache, join(fresh, '.yarn/cache'), { recursive: true, dereference: true });
        await chmodTree(join(fresh, '.yarn/cache'));
        const home2 = await tempHome();
        await yarn(f.bin, fresh, ['install', '--immutable'], sealedEnv(home2, { YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_CACHE_FOLDER: join(fresh, '.yarn/cache'), YARN_GLOBAL_FOLDER: join(home2, 'global') }));
        await check(fresh);
        await rm(fresh, { recursive: true, force: true });

        // the output, read-only in the store, as Yarn's global mirror: the project cache is filled from it
        const fresh2 = await project('mirror');
        const home3 = await tempHome();
        await mkdir(join(home3, 'global'), { recursive: true });
        await symlink(cache, join(home3, 'global/cache'));
        await yarn(f.bin, fresh2, ['install', '--immutable'], sealedEnv(home3, { YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_CACHE_FOLDER: join(fresh2, '.yarn/cache'), YARN_GLOBAL_FOLDER: join(home3, 'global') }));
        await check(fresh2);
        await rm(fresh2, { recursive: true, force: true });
      } finally {
        await s.server.close().catch(() => undefined);
        await s.gitServer.close().catch(() => undefined);
      }
    }, 600_000);
  }
});
