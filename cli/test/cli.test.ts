// The command line through its real entry point (bin/lock2nix.js in a child process): exit codes,
// messages, no stack traces.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT } from '../src/main.ts';
import { findLockfiles, outputName } from '../src/project.ts';
import { cargoConverter } from '@lock2nix/cargo';

const BIN = fileURLToPath(new URL('../bin/lock2nix.js', import.meta.url));
const run = promisify(execFile);

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(cwd, '.cache') } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lock2nix command line', () => {
  test('--help lists the commands, options and exit codes', async () => {
    const r = await cli(['--help'], dir);
    expect(r.code).toBe(EXIT.ok);
    for (const s of ['lock2nix [cargo|yarn|poetry|nuget]', 'lock2nix update', '--offline', '--check', '--json', '--concurrency', 'lock2nix hash', 'lock2nix prefetch', 'Exit codes', 'NO_COLOR']) {
      expect(r.stdout).toContain(s);
    }
  });

  test('--version prints the package version', async () => {
    const r = await cli(['--version'], dir);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test.each([
    [['frobnicate'], /unknown command or ecosystem "frobnicate"/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['cargo', '--concurrency', '0'], /--concurrency takes a whole number/],
    [['cargo', 'yarn'], /one ecosystem at most/],
    [['hash'], /usage: lock2nix hash/],
    [['hash', '--flat', '--nar', 'x'], /choose one of --flat, --nar/],
  ])('usage error %j exits 2 with a message and no stack trace', async (args, msg) => {
    const r = await cli(args, dir);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('no lockfile under the folder is a usage error naming the folder', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const r = await cli([], empty);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain(`no supported lockfile found under ${empty}`);
  });

  test('a missing --lockfile is a lockfile error naming the file', async () => {
    const r = await cli(['cargo', '--lockfile', 'nope/Cargo.lock'], dir);
    expect(r.code).toBe(EXIT.badLockfile);
    expect(r.stderr).toContain(join(dir, 'nope/Cargo.lock'));
    expect(r.stderr).toContain('cannot read: ENOENT');
  });

  test('discovery finds lockfiles by name, skips node_modules and .git, and names nested outputs', async () => {
    const root = join(dir, 'tree');
    for (const p of ['Cargo.lock', 'sub/dir/Cargo.lock', 'node_modules/x/Cargo.lock', '.git/Cargo.lock']) {
      await mkdir(join(root, p, '..'), { recursive: true });
      await writeFile(join(root, p), 'version = 4\n');
    }
    const found = await findLockfiles(root, { only: 'cargo' });
    expect(found.map((f) => f.file.slice(root.length + 1))).toEqual(['Cargo.lock', 'sub/dir/Cargo.lock']);
    expect(found.map((f) => outputName(cargoConverter, root, f.file))).toEqual(['cargo', 'cargo-sub-dir']);
  });
});
