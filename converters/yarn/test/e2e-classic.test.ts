// End to end, classic: yarn 1 writes the lockfile against the loopback registry and git server; lock2nix pins
// it; nix-build assembles the offline mirror; yarn 1 installs from it with --offline --frozen-lockfile while
// both servers are down.

import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { nixBuildExpr, startGitServer, startServer, testWithTools } from '@lock2nix/fixtures';
import { addNpmRegistry } from '../../../fixtures/src/registries/npm.ts';
import { builderExpr } from './helpers.ts';
import { copyProject, lock2nix, sealedEnv, tempHome, YARN1, yarn } from './tools.ts';

describe('yarn classic end to end', () => {
  testWithTools(['nix-build', 'git'], 'yarn 1 lockfile -> lock2nix -> nix-build mirror -> yarn install --offline', async () => {
    const server = await startServer();
    const gitServer = await startGitServer();
    try {
      const reg = addNpmRegistry(server);
      reg.publish({ name: '@fix/scoped', version: '1.0.0', files: { 'index.js': 'module.exports = "scoped 1.0.0";\n' } });
      reg.publish({ name: '@fix/scoped', version: '1.2.0', files: { 'index.js': 'module.exports = "scoped 1.2.0";\n' } });
      reg.publish({ name: 'left-pad', version: '1.0.0', files: { 'index.js': 'module.exports = "left-pad 1.0.0";\n' } });
      reg.publish({ name: 'left-pad', version: '1.3.0', files: { 'index.js': 'module.exports = "left-pad 1.3.0";\n' }, dependencies: { '@fix/scoped': '^1.0.0' } });
      reg.publish({ name: 'old-sha1', version: '1.0.0', sha1Only: true, files: { 'index.js': 'module.exports = "old";\n' } });
      reg.publish({ name: 'native-darwin', version: '1.0.0', os: ['darwin'], cpu: ['arm64'], files: { 'index.js': 'module.exports = "darwin";\n' } });
      const gitHost = gitServer.url.replace(/^git:\/\//, '');
      await gitServer.commit('gitdep.git', { 'package.json': JSON.stringify({ name: 'gitdep', version: '2.0.0', main: 'index.js' }), 'index.js': 'module.exports = "from git";\n' });

      const dir = await copyProject('classic', { GIT_HOST: gitHost });
      const home = await tempHome();
      await writeFile(join(dir, '.yarnrc'), `registry "${reg.url}/"\n`);
      const env = sealedEnv(home, { npm_config_registry: `${reg.url}/` });
      await yarn(YARN1, dir, ['install', '--non-interactive', '--no-progress', '--ignore-scripts'], env);
      const lockText = await readFile(join(dir, 'yarn.lock'), 'utf8');
      expect(lockText).toContain('"@fix/scoped@');
      expect(lockText).toContain('pad-alias@npm:left-pad@1.0.0');
      expect(lockText).toMatch(/gitdep.*#[0-9a-f]{40}"/);
      expect(lockText).toMatch(/old-sha1[\s\S]*?integrity sha1-/);

      const out = join(dir, 'lock2nix');
      const log = await lock2nix(dir, ['yarn', '--out', out], sealedEnv(home));
      expect(log).toContain('0 unpinned');
      const data = await readFile(join(out, 'yarn.json'), 'utf8');
      expect(data).not.toMatch(/"sha1-/);
      expect(data).toContain('"@fix-scoped-1.0.0.tgz"');
      expect(data).toContain('native-darwin-1.0.0.tgz');
      // the same input gives the same bytes
      await lock2nix(dir, ['yarn', '--out', out, '--check'], sealedEnv(home));

      const mirror = await nixBuildExpr(builderExpr(join(out, 'yarn.json')));

      // everything off: only the mirror and the project remain
      await server.close();
      await gitServer.close();
      const fresh = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-classic-offline-'));
      for (const f of ['package.json', 'yarn.lock', 'packages', 'local-pkg']) await cp(join(dir, f), join(fresh, f), { recursive: true });
      await writeFile(join(fresh, '.yarnrc'), `yarn-offline-mirror "${mirror}"\nyarn-offline-mirror-pruning false\nregistry "http://127.0.0.1:9/"\n`);
      const home2 = await tempHome();
      // no git on PATH either (as in a Nix build): only node
      const bin = join(home2, 'bin');
      await mkdir(bin);
      await symlink(process.execPath, join(bin, 'node'));
      const env2 = sealedEnv(home2, { npm_config_registry: 'http://127.0.0.1:9/', PATH: bin });
      await yarn(YARN1, fresh, ['install', '--offline', '--frozen-lockfile', '--non-interactive', '--no-progress', '--ignore-scripts'], env2);
      const req = (m: string) => readFile(join(fresh, 'node_modules', m, 'index.js'), 'utf8');
      expect(await req('@fix/scoped')).toContain('scoped 1.2.0');
      expect(await req('pad-alias')).toContain('left-pad 1.0.0');
      expect(await req('old-sha1')).toContain('old');
      expect(await req('gitdep')).toContain('from git');
      expect(await req('local-pkg')).toContain('local');
      expect(await readFile(join(fresh, 'yarn.lock'), 'utf8')).toBe(lockText);
      await rm(fresh, { recursive: true, force: true });
    } finally {
      await server.close().catch(() => undefined);
      await gitServer.close().catch(() => undefined);
    }
  }, 600_000);
});
