// `lock2nix cargo` on a broken Cargo.lock: exit code 3 and one line naming the file and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { main } from '../../../cli/src/main.ts';

async function runCli(lockText: string): Promise<{ code: number; err: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-cli-'));
  writeFileSync(join(dir, 'Cargo.lock'), lockText);
  let err = '';
  const code = await main(['cargo', '--offline', '--cache-dir', join(dir, 'cache')], { out: () => {}, err: (s) => void (err += s), isTTY: false, env: { HOME: dir, CARGO_HOME: join(dir, '.cargo') }, cwd: dir });
  return { code, err, file: join(dir, 'Cargo.lock') };
}

test.each([
  ['truncated', 'version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-', 6, /invalid TOML/],
  ['corrupted', 'version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "zz"\n', 3, /checksum "zz" is not a lowercase hex sha256/],
  ['unknown version', 'version = 9\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n', 1, /unknown lockfile version 9/],
])('%s Cargo.lock: exit 3, file and line', async (_what, text, line, reason) => {
  const r = await runCli(text);
  expect(r.code).toBe(3);
  expect(r.err).toContain(`${r.file}:${line}: `);
  expect(r.err).toMatch(reason);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
});
