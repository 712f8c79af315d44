// Git dependencies against the loopback git daemon: one fetch per repository and commit, the NAR hash as
// the pin, each crate located in the tree, and clear errors for crates the tree does not hold.
import { afterAll, beforeAll, expect } from 'vitest';
import { convertText, LockfileError, type NixData } from '@lock2nix/core';
import { startGitServer, testWithTools, type GitServer } from '@lock2nix/fixtures';
import { cargoConverter } from '../src/index.ts';
import { testContext } from './helpers.ts';

let git: GitServer;
let rev: string;

beforeAll(async () => {
  git = await startGitServer();
  rev = await git.commit('multi', {
    'Cargo.toml': '[workspace]\nmembers = ["a", "b"]\n[workspace.package]\nversion = "0.3.0"\n',
    'a/Cargo.toml': '[package]\nname = "a"\nversion.workspace = true\n',
    'a/src/lib.rs': '',
    'b/Cargo.toml': '[package]\nname = "b"\nversion = "1.0.0"\n',
    'b/src/lib.rs': '',
    'b/README.md': 'x',
    'b/Readme.md': 'y',
  });
});
afterAll(async () => git?.close());

const lock = (pkgs: [string, string][], url: string, commit: string) =>
  `version = 4\n\n${pkgs.map(([n, v]) => `[[package]]\nname = "${n}"\nversion = "${v}"\nsource = "git+${url}?branch=main#${commit}"\n`).join('\n')}`;

testWithTools(['git'], 'every crate of one repository: one tree, one NAR hash, each crate found, inheritance resolved', async () => {
  const ctx = testContext({ offline: false });
  const r = await convertText(cargoConverter, '/p/Cargo.lock', lock([['a', '0.3.0'], ['b', '1.0.0']], `${git.url}/multi`, rev), ctx);
  expect(r.artifacts.map((a) => [a.name, (a.meta as Record<string, NixData>).subdir])).toEqual([['a', 'a'], ['b', 'b']]);
  expect(r.artifacts[0]!.pin?.hash).toMatch(/^sha256-/);
  expect(r.artifacts[0]!.pin).toEqual(r.artifacts[1]!.pin);
  expect((r.artifacts[0]!.meta as Record<string, string>).manifest).toContain('version = "0.3.0"');
  expect((r.artifacts[1]!.meta as Record<string, string>).manifest).toBeUndefined();
  expect(ctx.reporter.messages('warn')).toEqual([expect.stringMatching(/differ only in case \(b\/Readme\.md\).*macOS/)]);
});

testWithTools(['git'], 'a crate the tree does not hold (or at another version) is a LockfileError on its line', async () => {
  const text = lock([['a', '0.3.0'], ['a-gone', '0.1.0']], `${git.url}/multi`, rev);
  const err = await convertText(cargoConverter, '/p/Cargo.lock', text, testContext({ offline: false })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LockfileError);
  expect((err as LockfileError).line).toBe(8);
  expect((err as LockfileError).reason).toMatch(/a-gone 0\.1\.0 is not in .*multi at commit/);
  const err2 = await convertText(cargoConverter, '/p/Cargo.lock', lock([['b', '9.9.9']], `${git.url}/multi`, rev), testContext({ offline: false })).catch((e: unknown) => e);
  expect((err2 as Error).message).toMatch(/b 9\.9\.9 is not in/);
});
