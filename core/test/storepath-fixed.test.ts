// Fixed-output store paths: reference vectors and the real `nix-store --print-fixed-path`.

import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import { Lock2nixError, bytesToHex, toNix32 } from '../src/index.ts';
import { checkStoreName, fixedOutputPath, fixedOutputPathOf } from '../src/hash/storepath.ts';

const HELLO = 'sha256:0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i';
const ARGU = 'sha512-4qUKW+JSgkaAVkp43o6krmtW1lSTgDKuyyErnOssko5C9GDJIrzhTeoXJT+jqi3B0C5U1WI56bvg5rW6n0AcZw==';

describe('fixed-output store paths', () => {
  test('reference vectors (shared/reference/nix-hashing.md §7)', () => {
    expect(fixedOutputPath({ name: 'hello-2.10.tar.gz', hash: HELLO, recursive: false })).toBe('/nix/store/3x7dwzq014bblazs7kq20p9hyzz0qh8g-hello-2.10.tar.gz');
    expect(fixedOutputPath({ name: 'source', hash: HELLO, recursive: false })).toBe('/nix/store/5ngwfk73bwnpyn2cy2kqfn01xqzs7ggy-source');
    expect(fixedOutputPath({ name: 'hello-2.10.tar.gz', hash: HELLO, recursive: true })).toBe('/nix/store/diilficjn79ndh2r0v0007hpmp67apg3-hello-2.10.tar.gz');
    expect(fixedOutputPath({ name: 'Argu.6.0.0.nupkg', hash: ARGU, recursive: false })).toBe('/nix/store/kqnrz4wm86w55mrlmfap39g9746i7j89-Argu.6.0.0.nupkg');
    expect(fixedOutputPath({ name: 'x', hash: ARGU, recursive: true })).toBe('/nix/store/4qam1faxkjiappgraa18is08chh7apmi-x');
  });

  test('bad names are refused', () => {
    for (const n of ['', 'a b', 'a%20b', 'é', 'a/b', '.hidden', 'x'.repeat(212)]) expect(() => checkStoreName(n)).toThrow(Lock2nixError);
    for (const n of ['a', 'A-z_0.9+?=', 'x'.repeat(211)]) expect(() => checkStoreName(n)).not.toThrow();
  });

  testWithTools(['nix-store'], 'agree with nix-store --print-fixed-path for 60 random (algo, mode, hash, name)', async () => {
    const cases: { algo: 'sha1' | 'sha256' | 'sha512'; recursive: boolean; bytes: Uint8Array; name: string }[] = [];
    const algos = ['sha1', 'sha256', 'sha512'] as const;
    const chars = 'abcXYZ0189+-._?=';
    for (let i = 0; i < 60; i++) {
      const algo = algos[i % 3]!;
      const bytes = new Uint8Array(createHash(algo).update(`case ${i}`).digest());
      let name = `n${i}`;
      for (let k = 0; k < (i * 7) % 30; k++) name += chars[(i * 13 + k * 5) % chars.length];
      cases.push({ algo, recursive: i % 2 === 0, bytes, name });
    }
    // one shell, one nix-store process per case (the command takes a single path description)
    const script = cases.map((c) => `nix-store --print-fixed-path ${c.recursive ? '--recursive ' : ''}${c.algo} ${toNix32(c.bytes)} '${c.name}'`).join('\n');
    const out = (await runNix('sh', ['-ec', script])).trim().split('\n');
    expect(out).toEqual(cases.map((c) => fixedOutputPathOf(c.name, c.algo, c.bytes, c.recursive)));
    // and in base16 for one
    const c0 = cases[1]!;
    expect((await runNix('nix-store', ['--print-fixed-path', c0.algo, bytesToHex(c0.bytes), c0.name])).trim()).toBe(fixedOutputPathOf(c0.name, c0.algo, c0.bytes, false));
  });

  test('another store folder', () => {
    expect(fixedOutputPath({ name: 'x', hash: HELLO, recursive: true, storeDir: '/gnu/store' })).toMatch(/^\/gnu\/store\/[0-9a-z]{32}-x$/);
  });
});
