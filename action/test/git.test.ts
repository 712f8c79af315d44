// The action's git helper on a real repository: which paths changed, and a commit of exactly those paths
// made without touching the index or the working tree.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Git } from '../src/index.ts';
import { git } from './support.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-git-'));
  await git(dir, 'init', '-q', '-b', 'main');
  await mkdir(join(dir, 'out/lib'), { recursive: true });
  await writeFile(join(dir, 'out/a.nix'), 'a\n');
  await writeFile(join(dir, 'out/gone.nix'), 'gone\n');
  await writeFile(join(dir, 'out/with space.nix'), 's\n');
  await writeFile(join(dir, 'keep.txt'), 'keep\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'init');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

test('changed, deleted and new paths under a folder; a commit of exactly those', async () => {
  await writeFile(join(dir, 'out/a.nix'), 'a2\n');
  await rm(join(dir, 'out/gone.nix'));
  await writeFile(join(dir, 'out/lib/new.nix'), 'new\n');
  await writeFile(join(dir, 'out/with space.nix'), 's2\n');
  await writeFile(join(dir, 'keep.txt'), 'edited by someone, not ours\n');
  await git(dir, 'add', 'keep.txt');
  const g = new Git({ cwd: dir });
  const paths = await g.changedPaths('out');
  expect(paths).toEqual(['out/a.nix', 'out/gone.nix', 'out/lib/new.nix', 'out/with space.nix']);
  const head = await g.head();
  const { commit } = await g.commitPaths({ parent: head, paths, message: 'pins\n', author: { name: 'A', email: 'a@x.invalid' }, committer: { name: 'C', email: 'c@x.invalid' } });
  expect(await git(dir, 'diff', '--name-status', head, commit)).toBe('M\tout/a.nix\nD\tout/gone.nix\nA\tout/lib/new.nix\nM\tout/with space.nix');
  expect(await git(dir, 'log', '-1', '--format=%an <%ae> / %cn <%ce>', commit)).toBe('A <a@x.invalid> / C <c@x.invalid>');
  // HEAD, the index (with someone's staged edit) and the working tree are as they were
  expect(await g.head()).toBe(head);
  expect(await git(dir, 'diff', '--cached', '--name-only')).toBe('keep.txt');
  expect(await g.changedPaths('out')).toEqual(paths);
});
