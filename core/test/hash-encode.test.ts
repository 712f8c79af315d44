// Hash encodings: the reference vectors, round trips, and the real nix-hash --to-base32/--to-base16.

import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runNix, testWithTools } from '@lock2nix/fixtures';
import {
  Lock2nixError, bytesToHex, digestHex, formatHash, fromNix32, hexToBytes, hexToSri, parseHash, toNix32, toSri,
  type HashAlgo,
} from '../src/index.ts';

const SIZES: Record<HashAlgo, number> = { sha1: 20, sha256: 32, sha512: 64 };

describe('reference vectors (shared/reference/nix-hashing.md §7)', () => {
  test('nix32', () => {
    expect(toNix32(new Uint8Array([0x1f]))).toBe('0z');
    expect(toNix32(hexToBytes('d86b3392c1202e8ff5a423b302e6284db7f8f435ea9f39b5b1b20fd3ac36dfcb'))).toBe('1jyz6snd63xjn6skk7za6psgidsd53k05cr3lksqybi0q6936syq');
    expect(bytesToHex(fromNix32('0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i', 32))).toBe('31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b');
  });
  test('sha256 of the empty string in every spelling', () => {
    const hex = digestHex('sha256', '');
    expect(hex).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toNix32(hexToBytes(hex))).toBe('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73');
    expect(hexToSri('sha256', hex)).toBe('sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
  test('hello-2.10 in four spellings parse to the same hash', () => {
    const sri = 'sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=';
    for (const s of ['sha256:0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i', 'sha256:31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b', sri, 'sha256:MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=']) {
      expect(formatHash(parseHash(s), 'sri')).toBe(sri);
    }
    expect(formatHash(parseHash('0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i', 'sha256'), 'hex')).toBe('31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b');
  });
  test('flat hello\\n, Argu sha512, flake narHash, fetchFromGitHub hash', () => {
    const h = createHash('sha256').update('hello\n').digest();
    expect(toSri('sha256', h)).toBe('sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=');
    expect(toNix32(h)).toBe('00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq');
    expect(formatHash(parseHash('sha512:1kiqh4zpasydq5vx4wn5mal5v8c2bdalczja5za9phvq8n9c3s453lj5kmrqar1rfp3504kakb5csxflj7dwy2aas04d0jjw9dhm9g2'), 'sri'))
      .toBe('sha512-4qUKW+JSgkaAVkp43o6krmtW1lSTgDKuyyErnOssko5C9GDJIrzhTeoXJT+jqi3B0C5U1WI56bvg5rW6n0AcZw==');
    expect(formatHash(parseHash('sha256-mEKkeLgUrzAsdEaJ/1wdvYn0YZBAKEG3AN21koD2AgU='), 'nix32')).toBe('0182ys095dfx02vl2a20j1hz92dx3mfgz2a6fhn31bqlp1wa8hlq');
    expect(formatHash(parseHash('10gmyrz07y4baq1a1rkip6h2k4fy9is6sjv487fndbc931lwmdaf', 'sha256'), 'sri')).toBe('sha256-TrXKaRiJrWbdQWRLbXRM3pEpoLlx5qACVov4A3729YE=');
  });
  test('invalid nix32 is refused', () => {
    expect(() => fromNix32('0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1e', 32)).toThrow(Lock2nixError);
    expect(() => fromNix32('zz', 1)).toThrow(Lock2nixError);
    expect(() => fromNix32('c0', 1)).toThrow(Lock2nixError);
    expect(() => fromNix32('0z', 2)).toThrow(Lock2nixError);
    // sha256 has 4 spare bits at the top: a leading digit above 1 does not fit
    expect(() => fromNix32('2' + '0'.repeat(51), 32)).toThrow(Lock2nixError);
    expect(() => parseHash('0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i')).toThrow(Lock2nixError); // no algorithm
    expect(() => parseHash('sha256-AAAA')).toThrow(Lock2nixError);
    expect(() => parseHash('md5:d41d8cd98f00b204e9800998ecf8427e')).toThrow(Lock2nixError);
  });
});

describe('round trips', () => {
  test('every encoding of random digests parses back to the same bytes', () => {
    fc.assert(fc.property(fc.constantFrom<HashAlgo>('sha1', 'sha256', 'sha512'), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (algo, seed) => {
      const bytes = new Uint8Array(createHash('sha512').update(String(seed)).digest().subarray(0, SIZES[algo]));
      expect(fromNix32(toNix32(bytes), bytes.length)).toEqual(bytes);
      for (const f of ['sri', 'nix32', 'hex', 'base64'] as const) {
        const s = formatHash({ algo, bytes }, f);
        const back = f === 'sri' ? parseHash(s) : parseHash(`${algo}:${s}`);
        expect(back.algo).toBe(algo);
        expect(Buffer.from(back.bytes).equals(Buffer.from(bytes))).toBe(true);
        if (f !== 'sri') expect(Buffer.from(parseHash(s, algo).bytes).equals(Buffer.from(bytes))).toBe(true);
      }
    }), { numRuns: 300 });
  });
  test('nix32 of every length from 1 to 64 bytes round-trips', () => {
    for (let n = 1; n <= 64; n++) {
      const b = new Uint8Array(randomBytes(n));
      const s = toNix32(b);
      expect(s.length).toBe(Math.ceil((n * 8) / 5));
      expect(fromNix32(s, n)).toEqual(b);
    }
  });
});

describe('against nix-hash', () => {
  testWithTools(['nix-hash'], '--to-base32 and --to-base16 agree on 200 random digests of each algorithm', async () => {
    for (const algo of ['sha1', 'sha256', 'sha512'] as const) {
      const digests = Array.from({ length: 200 }, () => new Uint8Array(randomBytes(SIZES[algo])));
      const hex = digests.map(bytesToHex);
      const b32 = (await runNix('nix-hash', ['--type', algo, '--to-base32', ...hex])).trim().split('\n');
      expect(b32).toEqual(digests.map(toNix32));
      const back = (await runNix('nix-hash', ['--type', algo, '--to-base16', ...b32])).trim().split('\n');
      expect(back).toEqual(hex);
    }
  });
  testWithTools(['nix-hash'], 'nix-hash refuses what fromNix32 refuses', async () => {
    await expect(runNix('nix-hash', ['--type', 'sha256', '--to-base16', '0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1e'])).rejects.toThrow(/invalid base-32/);
  });
});
