// End to end, Berry: Yarn 4 writes the lockfile (and its own cache) against the loopback registry; lock2nix
// pins every package and verifies every stated checksum by rebuilding Yarn's zip; nix-build assembles the
// cache, whose zips must equal the ones Yarn wrote byte for byte; Yarn 4 installs from it with
// `--immutable` and the network disabled.

import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { nixBuildExpr, startGitServer, startServer, testWithTools } from '@lock2nix/fixtures';
import { addNpmRegistry, makeTgz } from '../../../fixtures/src/registries/npm.ts';
import { installedLibzipSync, LIBZIP_YARN4 } from '../src/libzip.ts';
import { builderExpr, GITDEP } from './helpers.ts';
import { copyProject, lock2nix, sealedEnv, tempHome, YARN4, yarn } from './tools.ts';

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) await chmod(join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o644);
}

describe('yarn berry end to end', () => {
  for (const compression of ['0', 'mixed'] as const)
  testWithTools(['nix-build', 'git'], `Yarn 4 lockfile (compressionLevel ${compression}) -> lock2nix -> nix-build cache -> yarn install --immutable, network off`, async () => {
    const server = await startServer();
    const gitServer = await startGitServer();
    try {
      await gitServer.commit('gitdep.git', GITDEP);
      const reg = addNpmRegistry(server);
      reg.publish({ name: '@fix/scoped', version: '1.0.0', files: { 'index.js': 'module.exports = "scoped 1.0.0";\n' } });
      reg.publish({ name: '@fix/scoped', version: '1.2.0', files: { 'index.js': 'module.exports = "scoped 1.2.0";\n', 'bin/cli.js': '#!/usr/bin/env node\n' }, bin: { 'fix-cli': './bin/cli.js' } });
      reg.publish({ name: 'left-pad', version: '1.0.0', files: { 'index.js': 'module.exports = "left-pad 1.0.0";\n' } });
      reg.publish({ name: 'left-pad', version: '1.3.0', files: { 'index.js': 'module.exports = "left-pad 1.3.0";\n' }, dependencies: { '@fix/scoped': '^1.0.0' } });
      reg.publish({ name: 'native-linux-x64', version: '1.0.0', os: ['linux'], cpu: ['x64'], files: { 'index.js': 'module.exports = "linux";\n' } });
      reg.publish({ name: 'native-darwin-arm64', version: '1.0.0', os: ['darwin'], cpu: ['arm64'], files: { 'index.js': 'module.exports = "darwin";\n' } });

      const dir = await copyProject('berry', { REGISTRY: reg.url, GIT_HOST: gitServer.url.replace(/^git:\/\//, '') });
      if (compression === 'mixed') await writeFile(join(dir, '.yarnrc.yml'), (await readFile(join(dir, '.yarnrc.yml'), 'utf8')) + 'compressionLevel: mixed\n');
      const home = await tempHome();
      const env = sealedEnv(home, { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_GLOBAL_CACHE: 'false' });
      await yarn(YARN4, dir, ['install'], env);
      const lockText = await readFile(join(dir, 'yarn.lock'), 'utf8');
      expect(lockText).toMatch(compression === '0' ? /cacheKey: 10c0/ : /cacheKey: 10\n/);
      expect(lockText).toContain('left-pad@patch:left-pad@npm%3A1.3.0#./patches/left-pad.patch');
      expect(lockText).toMatch(/conditions: os=darwin & cpu=arm64/);
      // Yarn states a checksum for the git dependency's zip: lock2nix verifies it against its own pack
      expect(lockText).toMatch(/resolution: "gitdep@git:\/\/[^"]*#commit=[0-9a-f]{40}"\n(?:  .*\n)*?  checksum: /);

      // deflated zips are compressed by Yarn's libzip: served here from the installed copy (the real tarball
      // is pinned by its integrity when it comes from a registry)
      const libzipTgz = makeTgz({ 'package/package.json': { content: '{"name":"@yarnpkg/libzip"}' }, 'package/lib/libzipSync.js': { content: await readFile(installedLibzipSync(LIBZIP_YARN4)) } });
      server.file('/tools/libzip.tgz', libzipTgz);
      const l2nEnv = sealedEnv(home, { LOCK2NIX_YARN_LIBZIP_URL: `${server.url}/tools/libzip.tgz` });
      const out = join(dir, 'lock2nix');
      const log = await lock2nix(dir, ['yarn', '--out', out], l2nEnv);
      expect(log).toContain('0 unpinned');
      expect(log).not.toMatch(/gitdep.*(network|not verified)/);
      await lock2nix(dir, ['yarn', '--out', out, '--check'], l2nEnv);
      const data = await readFile(join(out, 'yarn.json'), 'utf8');
      expect(data).toContain('native-darwin-arm64');

      const cache = await nixBuildExpr(builderExpr(join(out, 'yarn.json')));
      // the zips Yarn wrote itself, byte for byte
      const yarnCache = join(home, 'yarn-cache'); // YARN_CACHE_FOLDER of sealedEnv
      const ours = new Set(await readdir(cache));
      let compared = 0;
      for (const f of await readdir(yarnCache)) {
        if (!f.endsWith('.zip') || f.includes('-patch-') || f.includes('-file-')) continue;
        expect(ours.has(f), `${f} in the Nix-built cache`).toBe(true);
        expect((await readFile(join(cache, f))).equals(await readFile(join(yarnCache, f))), `${f} byte-identical`).toBe(true);
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(6);
      expect([...ours].some((f) => /^gitdep-git-[0-9a-f]{10}-[0-9a-f]{10}\.zip$/.test(f)), 'the git dependency under its checksum name').toBe(true);

      await server.close();
      await gitServer.close();
      const fresh = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-berry-offline-'));
      for (const f of ['package.json', 'yarn.lock', '.yarnrc.yml', 'packages', 'local-pkg', 'patches']) await cp(join(dir, f), join(fresh, f), { recursive: true });
      await cp(cache, join(fresh, '.yarn/cache'), { recursive: true, dereference: true });
      await chmodTree(join(fresh, '.yarn/cache'));
      await writeFile(join(fresh, '.yarnrc.yml'), (await readFile(join(fresh, '.yarnrc.yml'), 'utf8')) + 'enableNetwork: false\n');
      const home2 = await tempHome();
      await yarn(YARN4, fresh, ['install', '--immutable'], sealedEnv(home2, { YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_CACHE_FOLDER: join(fresh, '.yarn/cache') }));
      const req = (m: string) => readFile(join(fresh, 'node_modules', m, 'index.js'), 'utf8');
      expect(await req('@fix/scoped')).toContain('scoped 1.2.0');
      expect(await req('left-pad')).toContain('patched left-pad');
      expect(await req('pad-alias')).toContain('left-pad 1.0.0');
      expect(await req('native-linux-x64')).toContain('linux');
      expect(await req('local-pkg')).toContain('local');
      expect(await req('gitdep')).toContain('from git');
      expect(await readFile(join(fresh, 'node_modules/gitdep/sub/keep.js'), 'utf8')).toBe('kept\n');
      // as on an arm64 Mac: the package the lockfile has no checksum for comes from the same output
      await writeFile(join(fresh, '.yarnrc.yml'), (await readFile(join(fresh, '.yarnrc.yml'), 'utf8')) + 'supportedArchitectures:\n  os: [darwin]\n  cpu: [arm64]\n');
      // Yarn takes a package the lockfile states no checksum for only from its global mirror
      await cp(cache, join(home2, 'global/cache'), { recursive: true, dereference: true });
      await chmodTree(join(home2, 'global/cache'));
      await yarn(YARN4, fresh, ['install', '--immutable'], sealedEnv(home2, { YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_CACHE_FOLDER: join(fresh, '.yarn/cache'), YARN_GLOBAL_FOLDER: join(home2, 'global') }));
      expect(await req('native-darwin-arm64')).toContain('darwin');
      expect(await readFile(join(fresh, 'yarn.lock'), 'utf8')).toBe(lockText);
      expect(await readFile(join(fresh, 'yarn.lock'), 'utf8')).toBe(lockText);
      await rm(fresh, { recursive: true, force: true });

      // the output, read-only in the store, as Yarn's global mirror: the project cache is filled from it
      const fresh3 = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-berry-mirror-'));
      for (const f of ['package.json', 'yarn.lock', '.yarnrc.yml', 'packages', 'local-pkg', 'patches']) await cp(join(dir, f), join(fresh3, f), { recursive: true });
      await writeFile(join(fresh3, '.yarnrc.yml'), (await readFile(join(fresh3, '.yarnrc.yml'), 'utf8')) + 'enableNetwork: false\n');
      const home4 = await tempHome();
      await mkdir(join(home4, 'global'), { recursive: true });
      await symlink(cache, join(home4, 'global/cache'));
      await yarn(YARN4, fresh3, ['install', '--immutable'], sealedEnv(home4, { YARN_CACHE_FOLDER: join(fresh3, '.yarn/cache'), YARN_GLOBAL_FOLDER: join(home4, 'global') }));
      expect(await readFile(join(fresh3, 'node_modules/left-pad/index.js'), 'utf8')).toContain('patched left-pad');
      expect(await readFile(join(fresh3, 'yarn.lock'), 'utf8')).toBe(lockText);
      await rm(fresh3, { recursive: true, force: true });

      // the same output as Yarn's global cache (enableGlobalCache: files named by cache key, not checksum)
      const fresh2 = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-berry-global-'));
      for (const f of ['package.json', 'yarn.lock', '.yarnrc.yml', 'packages', 'local-pkg', 'patches']) await cp(join(dir, f), join(fresh2, f), { recursive: true });
      await writeFile(join(fresh2, '.yarnrc.yml'), (await readFile(join(fresh2, '.yarnrc.yml'), 'utf8')).replace('enableGlobalCache: false\n', '') + 'enableNetwork: false\n');
      const home3 = await tempHome();
      await cp(cache, join(home3, 'global/cache'), { recursive: true, dereference: true });
      await chmodTree(join(home3, 'global/cache'));
      await yarn(YARN4, fresh2, ['install', '--immutable'], sealedEnv(home3, { YARN_ENABLE_GLOBAL_CACHE: 'true', YARN_GLOBAL_FOLDER: join(home3, 'global'), YARN_CACHE_FOLDER: join(home3, 'global/cache') }));
      expect(await readFile(join(fresh2, 'node_modules/left-pad/index.js'), 'utf8')).toContain('patched left-pad');
      await rm(fresh2, { recursive: true, force: true });
    } finally {
      await server.close().catch(() => undefined);
      await gitServer.close().catch(() => undefined);
    }
  }, 600_000);
});
