// The bundled action with `verify: download` (the default): crates are downloaded from a sparse registry on
// the loopback server (put in place of crates.io by the project's Cargo configuration) and hashed; a later
// run downloads only what the lockfile changed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type FixtureServer } from '@lock2nix/fixtures';
import { addSparseRegistry, type CargoRegistry } from '../../fixtures/src/registries/cargo.ts';
import { git, sandbox, type Sandbox } from './support.ts';

let s: Sandbox;
let server: FixtureServer;
let registry: CargoRegistry;

function cargoLock(crates: [string, string][]): string {
  const pkgs = crates.map(([n, v]) => `[[package]]\nname = "${n}"\nversion = "${v}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${registry.crate(n, v).cksum}"\n`);
  return `version = 3\n\n[[package]]\nname = "demo"\nversion = "0.1.0"\ndependencies = [\n${crates.map(([n]) => ` "${n}",\n`).join('')}]\n\n${pkgs.join('\n')}`;
}

beforeAll(async () => {
  server = await startServer();
  registry = addSparseRegistry(server, 'mirror');
  for (const [name, version] of [['itoa', '1.0.10'], ['itoa', '1.0.11'], ['ryu', '1.0.17']] as const) await registry.publish({ name, version });
  s = await sandbox();
  await mkdir(join(s.work, '.cargo'), { recursive: true });
  await writeFile(join(s.work, '.cargo/config.toml'), `[source.crates-io]\nreplace-with = "mirror"\n[source.mirror]\nregistry = "${registry.configIndex}"\n`);
  await writeFile(join(s.work, 'Cargo.lock'), cargoLock([['itoa', '1.0.10'], ['ryu', '1.0.17']]));
  await git(s.work, 'add', '-A');
  await git(s.work, 'commit', '-q', '-m', 'use the mirror');
  await git(s.work, 'push', '-q', 'origin', 'main');
});
afterAll(async () => {
  await s?.close();
  await server?.close();
});

const crates = () => registry.downloads.map((d) => d.path.replace(/^.*\//, ''));

test('downloads and verifies every crate, then only the one a bump changed', async () => {
  const first = await s.action({ ecosystems: 'cargo' }, { CARGO_HOME: join(s.dir, 'cargo-home') });
  expect(first.code, first.log).toBe(0);
  expect(first.outputs['pull-request-operation']).toBe('created');
  expect(crates().sort()).toEqual(['itoa-1.0.10.crate', 'ryu-1.0.17.crate']);
  expect(JSON.parse(first.outputs['changed-pins']!).pins).toMatchObject({ download: 2, lockfile: 0 });
  // the pins land on main; then a bump
  await git(s.work, 'fetch', '-q', 'origin', 'lock2nix/update');
  await git(s.work, 'merge', '-q', '--ff-only', 'FETCH_HEAD');
  await writeFile(join(s.work, 'Cargo.lock'), cargoLock([['itoa', '1.0.11'], ['ryu', '1.0.17']]));
  await git(s.work, 'commit', '-q', '-am', 'bump itoa');
  await git(s.work, 'push', '-q', 'origin', 'main');
  s.gh.pulls[0]!.state = 'closed';
  const second = await s.action({ ecosystems: 'cargo' }, { CARGO_HOME: join(s.dir, 'cargo-home') });
  expect(second.code, second.log).toBe(0);
  expect(second.outputs['pull-request-operation']).toBe('created');
  expect(crates().slice(2)).toEqual(['itoa-1.0.11.crate']);
  const pr = s.gh.pulls.find((p) => p.state === 'open')!;
  expect(pr.body).toMatch(/\| cargo \| upgraded \| itoa \| 1\.0\.10 \| 1\.0\.11 \|/);
  expect(pr.body).toContain('1 verified by download');
  expect(s.gh.violations).toEqual([]);
});
