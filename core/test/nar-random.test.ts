// Our NAR serialiser against the real `nix-hash` on many random trees (one nix-hash call for all of them).

import { mkdtemp, mkdir, rm, writeFile, symlink, chmod, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import { Lock2nixError, bytesToHex, dumpNar, narHash, narHashBytes } from '../src/index.ts';
import { writeRandomTree, type TreeStats } from './nar-fixtures.ts';

const TREES = 220;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-nar-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function nixHashes(paths: string[], type = 'sha256'): Promise<string[]> {
  return (await runNix('nix-hash', ['--type', type, ...paths])).trim().split('\n');
}

describe('NAR hash against nix-hash', () => {
  testWithTools(['nix-hash'], `${TREES} random trees hash like nix-hash --type sha256`, async () => {
    const paths: string[] = [];
    const total: TreeStats = { files: 0, executables: 0, symlinks: 0, dirs: 0, emptyFiles: 0, hardlinks: 0 };
    for (let i = 0; i < TREES; i++) {
      const p = join(work, `t${i}`);
      const s = await writeRandomTree(p, 1000 + i);
      for (const k of Object.keys(total) as (keyof TreeStats)[]) total[k] += s[k];
      paths.push(p);
    }
    // the generator must really produce every kind of node
    expect(total.files).toBeGreaterThan(200);
    expect(total.executables).toBeGreaterThan(50);
    expect(total.symlinks).toBeGreaterThan(100);
    expect(total.dirs).toBeGreaterThan(100);
    expect(total.emptyFiles).toBeGreaterThan(10);
    const expected = await nixHashes(paths);
    const ours: string[] = [];
    for (const p of paths) ours.push(bytesToHex(await narHashBytes(p)));
    const bad = paths.filter((_, i) => ours[i] !== expected[i]);
    expect(bad).toEqual([]);
    expect(ours).toEqual(expected);
  });

  testWithTools(['nix-hash'], 'single files, symlinks, empty folder, sha512 and sha1', async () => {
    const d = join(work, 'single');
    await mkdir(d);
    await writeFile(join(d, 'file'), 'hello\n');
    await writeFile(join(d, 'exec'), '#!/bin/sh\n');
    await chmod(join(d, 'exec'), 0o755);
    await writeFile(join(d, 'empty'), '');
    await symlink('/nix/store/nowhere', join(d, 'abs'));
    await symlink('file', join(d, 'rel'));
    await mkdir(join(d, 'dir'));
    await mkdir(join(d, 'big'));
    for (const [n, size] of [['a', 300_000], ['b', 3_000_001], ['c', 256 * 1024]] as const) await writeFile(join(d, 'big', n), Buffer.alloc(size, n));
    const paths = ['file', 'exec', 'empty', 'abs', 'rel', 'dir', 'big'].map((n) => join(d, n));
    for (const type of ['sha256', 'sha512', 'sha1'] as const) {
      const expected = await nixHashes(paths, type);
      const ours: string[] = [];
      for (const p of paths) ours.push(bytesToHex(await narHashBytes(p, type)));
      expect(ours).toEqual(expected);
    }
    // the reference vectors (shared/reference/nix-hashing.md §7)
    expect(await narHash(join(d, 'file'))).toBe('sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM=');
    expect(await narHash(join(d, 'dir'))).toBe('sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=');
  });

  testWithTools(['nix-store'], 'NAR bytes equal nix-store --dump', async () => {
    const p = join(work, 'dump');
    await writeRandomTree(p, 7);
    const chunks: Uint8Array[] = [];
    await dumpNar(p, { write: (c) => void chunks.push(Buffer.from(c)) });
    const out = join(work, 'dump.nar');
    await runNix('sh', ['-c', `nix-store --dump "$1" > "$2"`, 'sh', p, out]);
    expect(Buffer.concat(chunks).equals(await readFile(out))).toBe(true);
    const empty: Uint8Array[] = [];
    await mkdir(join(work, 'emptydir'));
    await dumpNar(join(work, 'emptydir'), { write: (c) => void empty.push(Buffer.from(c)) });
    expect(Buffer.concat(empty).length).toBe(96);
  });

  testWithTools(['mkfifo'], 'a FIFO is refused with a Lock2nixError', async () => {
    const d = join(work, 'fifo');
    await mkdir(d);
    await runNix('mkfifo', [join(d, 'p')]);
    await expect(narHash(d)).rejects.toThrow(Lock2nixError);
  });

  testWithTools(['nix-hash'], 'a name that is not valid UTF-8 is hashed by its bytes', async () => {
    const d = join(work, 'latin1');
    await mkdir(d);
    const raw = Buffer.concat([Buffer.from(d + '/'), Buffer.from([0x66, 0xe9, 0xff])]);
    await writeFile(raw, 'x');
    await writeFile(join(d, 'f\uFFFD'), 'y');
    const [expected] = await nixHashes([d]);
    expect(bytesToHex(await narHashBytes(d))).toBe(expected);
  });
});
