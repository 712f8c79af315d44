import { describe, expect, test } from 'vitest';
import { LockfileError } from '@lock2nix/core';
import { parseCargoLock } from '../src/parse.ts';
import { parseSource, sourceDir } from '../src/source.ts';

const SUM = 'c1c6d463cbe7ed28720b5b489e7c083eeb8f90d08be2a0d6bb9e1ffea9ce1afa';
const CRATES = 'registry+https://github.com/rust-lang/crates.io-index';

function err(text: string): LockfileError {
  try {
    parseCargoLock('/p/Cargo.lock', text);
  } catch (e) {
    expect(e).toBeInstanceOf(LockfileError);
    return e as LockfileError;
  }
  throw new Error('no error');
}

describe('versions', () => {
  test('v1: checksums from [metadata], git and path entries without', () => {
    const lock = parseCargoLock('/p/Cargo.lock', `[[package]]
name = "a"
version = "0.6.6"
source = "${CRATES}"

[[package]]
name = "g"
version = "1.0.0"
source = "git+https://example.com/g#${'1'.repeat(40)}"

[[package]]
name = "me"
version = "0.1.0"
dependencies = [
 "a 0.6.6 (${CRATES})",
]

[metadata]
"checksum a 0.6.6 (${CRATES})" = "${SUM}"
"checksum g 1.0.0 (git+https://example.com/g#${'1'.repeat(40)})" = "<none>"
`);
    expect(lock.version).toBe(1);
    expect(lock.packages.map((p) => [p.name, p.checksum, p.line])).toEqual([
      ['a', SUM, 1],
      ['g', undefined, 6],
      ['me', undefined, 11],
    ]);
  });
  test('v2 without version key, v3 and v4 with', () => {
    const pkg = `[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES}"\nchecksum = "${SUM}"\n`;
    expect(parseCargoLock('/p/Cargo.lock', pkg).version).toBe(2);
    expect(parseCargoLock('/p/Cargo.lock', `version = 3\n\n${pkg}`).version).toBe(3);
    expect(parseCargoLock('/p/Cargo.lock', `version = 4\n\n${pkg}`).packages[0]!.checksum).toBe(SUM);
  });
  test('pre-v1 [root] is a package', () => {
    const lock = parseCargoLock('/p/Cargo.lock', `[root]\nname = "me"\nversion = "0.1.0"\n`);
    expect(lock.packages.map((p) => p.name)).toEqual(['me']);
  });
  test('[[patch.unused]] entries are kept and marked', () => {
    const lock = parseCargoLock('/p/Cargo.lock', `version = 3\n[[package]]\nname = "me"\nversion = "0.1.0"\n\n[[patch.unused]]\nname = "x"\nversion = "1.0.0"\nsource = "git+https://e.com/x#${'2'.repeat(40)}"\n`);
    expect(lock.packages[1]).toMatchObject({ name: 'x', unused: true, line: 6 });
  });
});

describe('errors name file and line', () => {
  test('unknown and unstable versions', () => {
    expect(err('version = 7\n[[package]]\nname = "a"\nversion = "1"\n').message).toBe('/p/Cargo.lock:1: unknown lockfile version 7 (lock2nix reads versions 1 to 4)');
    expect(err('\nversion = 5\n').message).toMatch(/^\/p\/Cargo.lock:2: lockfile version 5 is unstable/);
    expect(err('version = "4"\n').line).toBe(1);
  });
  test('truncated inside a string, and after a header', () => {
    const e = err(`version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crat`);
    expect(e.line).toBe(6);
    expect(e.reason).toMatch(/invalid TOML/);
    const e2 = err(`version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n\n[[package]]\nname = "b"\n`);
    expect(e2.message).toBe('/p/Cargo.lock:7: package b has no version');
    expect(err('version = 4\n').reason).toMatch(/empty or truncated/);
  });
  test('corrupted checksum, source and metadata', () => {
    expect(err(`version = 3\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES}"\nchecksum = "xyz"\n`).message).toMatch(/^\/p\/Cargo.lock:2: a 1.0.0: checksum "xyz" is not a lowercase hex sha256/);
    expect(err(`version = 3\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "ftp+x"\n`).reason).toMatch(/unknown source kind "ftp"/);
    expect(err(`version = 3\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "git+https://e.com/a?rev=abc#abc"\n`).reason).toMatch(/not a full commit id/);
    expect(err(`[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES}"\n[metadata]\n"checksum b 1.0.0 (${CRATES})" = "${SUM}"\n`).line).toBe(6);
    expect(err(`version = 3\n[[package]]\nname = 3\nversion = "1.0.0"\n`).line).toBe(2);
    expect(err(`version = 3\n[[package]]\nname = "a"\nversion = "1"\n[[package]]\nname = "a"\nversion = "1"\n`).message).toMatch(/:5: a 1 is locked twice/);
  });
});

describe('sources', () => {
  test('crates.io in both spellings, alternative registries', () => {
    expect(parseSource(CRATES, 4)).toMatchObject({ kind: 'crates-io' });
    expect(parseSource('sparse+https://index.crates.io/', 4)).toMatchObject({ kind: 'crates-io' });
    expect(parseSource('sparse+https://r.example/idx/', 4)).toMatchObject({ kind: 'registry', protocol: 'sparse', index: 'https://r.example/idx/' });
    expect(parseSource('registry+https://r.example/git-index', 4)).toMatchObject({ kind: 'registry', protocol: 'git' });
  });
  test('git: v4 decodes, v3 keeps raw, short revs kept, URLs verbatim', () => {
    const c = 'a'.repeat(40);
    expect(parseSource(`git+https://github.com/D/id-tree.git?branch=feature%2Fcopy_clone#${c}`, 4)).toMatchObject({ url: 'https://github.com/D/id-tree.git', ref: { type: 'branch', value: 'feature/copy_clone' }, commit: c });
    expect(parseSource(`git+https://e.com/x?branch=a+b#${c}`, 4)).toMatchObject({ ref: { value: 'a b' } });
    expect(parseSource(`git+https://e.com/x?branch=a+b#${c}`, 3)).toMatchObject({ ref: { value: 'a+b' } });
    expect(parseSource(`git+https://github.com/smithay/smithay.git?rev=1ed69cb#${c}`, 4)).toMatchObject({ ref: { type: 'rev', value: '1ed69cb' } });
    expect(parseSource(`git+https://github.com/pop-os//cosmic-protocols?tag=v1#${c}`, 4)).toMatchObject({ url: 'https://github.com/pop-os//cosmic-protocols', ref: { type: 'tag', value: 'v1' } });
    expect(parseSource(`git+https://e.com/x/#${c}`, 4)).toMatchObject({ url: 'https://e.com/x/', ref: { type: 'default' } });
    expect(parseSource(`git+https://e.com/x?ref=dev#${c}`, 2)).toMatchObject({ ref: { type: 'branch', value: 'dev' } });
  });
  test('one vendor folder per origin', () => {
    const c = 'a'.repeat(40);
    const a = parseSource(`git+https://e.com/x?branch=a#${c}`, 4);
    const b = parseSource(`git+https://e.com/x?rev=abc#${c}`, 4);
    const r = parseSource('sparse+https://r.example/', 4);
    const dirs = [a, b, r, parseSource(CRATES, 4)].map((s) => sourceDir(s as never));
    expect(new Set(dirs).size).toBe(4);
    expect(dirs[3]).toBe('crates-io');
  });
});
