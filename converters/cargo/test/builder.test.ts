// templates/lib/cargo.nix, evaluated with the test package set: the source replacement it writes, and the
// clear failures it gives for entries that cannot be built yet.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'smol-toml';
import { convertText } from '@lock2nix/core';
import { nixEvalJson, nixInstantiate, runNix, testWithTools, TEMPLATES_DIR, TEST_PKGS } from '@lock2nix/fixtures';
import { cargoConverter } from '../src/index.ts';
import { testContext } from './helpers.ts';

const CRATES = 'registry+https://github.com/rust-lang/crates.io-index';
const SUM = 'c1c6d463cbe7ed28720b5b489e7c083eeb8f90d08be2a0d6bb9e1ffea9ce1afa';

async function dataFile(text: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-builder-'));
  const r = await convertText(cargoConverter, join(dir, 'Cargo.lock'), text, testContext({ offline: true }));
  writeFileSync(join(dir, 'cargo.json'), r.text);
  writeFileSync(join(dir, 'Cargo.lock'), text);
  return join(dir, 'cargo.json');
}

const vendorExpr = (data: string) => `(import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/cargo.nix { lock = builtins.fromJSON (builtins.readFile ${data}); }`;

testWithTools(['nix-instantiate'], 'source replacement: crates.io, a sparse registry, git with tag, and a v2 git source as default and master', async () => {
  const data = await dataFile(`[[package]]
name = "a"
version = "1.0.0"
source = "${CRATES}"
checksum = "${SUM}"

[[package]]
name = "b"
version = "1.0.0"
source = "sparse+https://alt.example/index/"
checksum = "${SUM}"

[[package]]
name = "g"
version = "0.1.0"
source = "git+https://git.example/g#${'d'.repeat(40)}"

[[package]]
name = "t"
version = "0.1.0"
source = "git+https://git.example/t?tag=v1.0#${'e'.repeat(40)}"
`);
  const text = await nixEvalJson<string>(`(${vendorExpr(data)}).cargoConfigText`);
  const cfg = parse(text) as { source: Record<string, Record<string, string>> };
  const s = cfg.source;
  expect(s['crates-io']).toEqual({ 'replace-with': 'lock2nix-crates-io' });
  expect(s['lock2nix-crates-io']).toEqual({ directory: '@vendor@/crates-io' });
  const upstream = Object.entries(s).filter(([k]) => k.startsWith('lock2nix-upstream-')).map(([, v]) => v);
  expect(upstream).toContainEqual(expect.objectContaining({ registry: 'sparse+https://alt.example/index/' }));
  expect(upstream).toContainEqual(expect.objectContaining({ git: 'https://git.example/t', tag: 'v1.0' }));
  const g = upstream.filter((u) => u.git === 'https://git.example/g');
  expect(g.map((u) => u.branch)).toEqual([undefined, 'master']);
  expect(new Set(g.map((u) => u['replace-with'])).size).toBe(1);
  for (const u of upstream) expect(s[u['replace-with']!]!.directory).toMatch(/^@vendor@\/(registry|git)-[0-9a-f]{12}$/);
});

testWithTools(['nix-instantiate'], 'unpinned git crates and unknown registry addresses fail with a message saying what to run', async () => {
  const git = await dataFile(`version = 4\n[[package]]\nname = "g"\nversion = "0.1.0"\nsource = "git+https://git.example/g#${'d'.repeat(40)}"\n`);
  await expect(nixInstantiate(vendorExpr(git))).rejects.toThrow(/cargo package g 0\.1\.0 is not pinned yet; run `lock2nix cargo` without --offline/);
  const alt = await dataFile(`version = 4\n[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "sparse+https://alt.example/index/"\nchecksum = "${SUM}"\n`);
  await expect(nixInstantiate(vendorExpr(alt))).rejects.toThrow(/download address of cargo package b 1\.0\.0 is unknown/);
  const ok = await dataFile(`version = 4\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES}"\ncheckSum = "x"\n`.replace('checkSum = "x"', `checksum = "${SUM}"`));
  expect((await nixInstantiate(vendorExpr(ok)))[0]).toMatch(/cargo-vendor\.drv$/);
});

testWithTools(['nix-instantiate'], "a fetchurl that takes curlOptsList (nixpkgs) is handed lock2nix's User-Agent", async () => {
  const data = await dataFile(`version = 4\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES}"\nchecksum = "${SUM}"\n`);
  const fake = '{ urls, name, hash, curlOptsList ? [ ] }: throw "fetchurl-args:${builtins.toJSON { inherit urls name hash curlOptsList; }}"';
  const err = await nixInstantiate(`(import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/cargo.nix { lock = builtins.fromJSON (builtins.readFile ${data}); fetchurl = ${fake}; }`).catch((e: Error) => e.message);
  const json = /fetchurl-args:(\{.*\})/.exec(String(err))?.[1]?.replace(/\\"/g, '"');
  expect(JSON.parse(json!)).toMatchObject({ name: 'crate-a-1.0.0.tar.gz', curlOptsList: ['--user-agent', expect.stringMatching(/^lock2nix\//)], urls: [expect.stringContaining('static.crates.io/crates/a/a-1.0.0.crate'), expect.stringContaining('/a/1.0.0/download')] });
});

testWithTools(['nix-instantiate'], 'a Cargo.lock that changed since lock2nix read it is refused by name', async () => {
  const text = `version = 4\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES}"\nchecksum = "${SUM}"\n`;
  const data = await dataFile(text);
  const lockFile = join(data, '..', 'Cargo.lock');
  const expr = `(import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/cargo.nix { lock = builtins.fromJSON (builtins.readFile ${data}); cargoLock = ${lockFile}; }`;
  expect((await nixInstantiate(expr))[0]).toMatch(/cargo-vendor\.drv$/);
  writeFileSync(lockFile, `${text}\n[[package]]\nname = "me"\nversion = "0.1.0"\n`);
  await expect(nixInstantiate(expr)).rejects.toThrow(/Cargo\.lock changed since lock2nix read it; run `lock2nix cargo` again/);
});

testWithTools(['nix-instantiate'], 'the build command stays small for a large lockfile (505 crates): the crates go in a plan file', async () => {
  const file = fileURLToPath(new URL('../../../fixtures/corpus/cargo/ruff-workspace/Cargo.lock', import.meta.url));
  const data = await dataFile(readFileSync(file, 'utf8'));
  const [drv] = await nixInstantiate(vendorExpr(data));
  const json = JSON.parse(await runNix('nix', ['--extra-experimental-features', 'nix-command', 'show-derivation', drv!])) as Record<string, { args: string[]; inputDrvs: Record<string, unknown> }>;
  const d = Object.values(json)[0]!;
  expect(d.args.join(' ').length).toBeLessThan(8192);
  expect(Object.keys(d.inputDrvs).some((p) => p.endsWith('-cargo-vendor-plan.drv'))).toBe(true);
});
