// `lock2nix hash` against the real nix-hash (base16, base32) and `nix hash path|file --sri`, flat and NAR.

import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import { EXIT, main, type Io } from '../src/main.ts';

let dir: string;
const files = ['hello.txt', 'empty', 'bin.exe', 'big.bin'];
const trees = ['tree', 'hello.txt', 'link', 'empty-dir'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-hashcmd-'));
  await writeFile(join(dir, 'hello.txt'), 'hello\n');
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'bin.exe'), Buffer.from([0, 1, 2, 255]));
  await chmod(join(dir, 'bin.exe'), 0o755);
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 5, 'ab'));
  await mkdir(join(dir, 'tree/sub/deeper'), { recursive: true });
  await writeFile(join(dir, 'tree/sub/deeper/é😀'), 'x');
  await writeFile(join(dir, 'tree/run'), '#!/bin/sh\n');
  await chmod(join(dir, 'tree/run'), 0o755);
  await symlink('/nowhere', join(dir, 'tree/dangling'));
  await symlink('hello.txt', join(dir, 'link'));
  await mkdir(join(dir, 'empty-dir'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lock2nix(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), isTTY: false, env: {}, cwd: dir };
  const code = await main(args, io);
  return { code, out, err };
}

const lines = (s: string) => s.trim().split('\n');

describe('lock2nix hash', () => {
  for (const algo of ['sha256', 'sha512', 'sha1'] as const) {
    testWithTools(['nix-hash'], `${algo}: NAR and flat, base16 and base32, like nix-hash`, async () => {
      const abs = (ps: string[]) => ps.map((p) => join(dir, p));
      for (const [mode, paths] of [['nar', trees], ['flat', files]] as const) {
        const flag = mode === 'flat' ? ['--flat'] : [];
        const hex = lines(await runNix('nix-hash', ['--type', algo, ...flag, ...abs(paths)]));
        const b32 = lines(await runNix('nix-hash', ['--type', algo, '--base32', ...flag, ...abs(paths)]));
        // relative paths are taken from the working folder
        expect(lines((await lock2nix(['hash', '--type', algo, ...(mode === 'flat' ? ['--flat'] : ['--nar']), ...paths])).out)).toEqual(hex);
        expect(lines((await lock2nix(['hash', '--type', algo, '--hex', ...flag, ...paths])).out)).toEqual(hex);
        expect(lines((await lock2nix(['hash', '--type', algo, '--base32', ...flag, ...paths])).out)).toEqual(b32);
      }
    });
  }

  testWithTools(['nix'], 'SRI like nix hash path --sri and nix hash file --sri', async () => {
    const nixHash = async (sub: 'path' | 'file', algo: string, p: string) =>
      (await runNix('nix', ['--extra-experimental-features', 'nix-command', 'hash', sub, '--sri', '--type', algo, join(dir, p)])).trim();
    for (const algo of ['sha256', 'sha512']) {
      for (const p of trees) expect((await lock2nix(['hash', '--sri', '--type', algo, p])).out.trim()).toBe(await nixHash('path', algo, p));
      for (const p of files) expect((await lock2nix(['hash', '--sri', '--flat', '--type', algo, p])).out.trim()).toBe(await nixHash('file', algo, p));
    }
    // the reference vector: flat sha256 of "hello\n"
    expect((await lock2nix(['hash', '--flat', '--sri', 'hello.txt'])).out).toBe('sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=\n');
  });

  test('bad use is a usage error; a missing path is a plain failure, never a stack trace', async () => {
    for (const args of [['hash'], ['hash', '--flat', '--nar', 'x'], ['hash', '--sri', '--hex', 'x'], ['hash', '--type', 'md5', 'x'], ['hash', '--bogus', 'x'], ['hash', '--flat', 'tree']]) {
      const r = await lock2nix(args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.out).toBe('');
    }
    const r = await lock2nix(['hash', 'does-not-exist']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toMatch(/^lock2nix: cannot hash does-not-exist: /);
    expect(r.err).not.toMatch(/unexpected|\n\s+at /);
  });
});
