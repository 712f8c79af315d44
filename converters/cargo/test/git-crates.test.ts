// Locating crates in a git tree and resolving workspace inheritance, on local trees (the same code runs on
// the trees the prefetcher returns).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'smol-toml';
import { manifestText } from '../src/finish.ts';
import { rebase } from '../src/inherit.ts';
import { findCrates } from '../src/locate.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lock2nix-cargo-tree-'));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return root;
}

describe('workspace inheritance', () => {
  const root = tree({
    'Cargo.toml': `[workspace]
members = ["crates/*", "nested/deep/leaf"]
[workspace.package]
version = "1.4.0"
edition = "2021"
readme = "README.md"
license-file = "LICENSES/MIT.txt"
authors = ["A"]
[workspace.dependencies]
core-x = { path = "crates/core-x", version = "1.4.0", features = ["a"] }
serde = { version = "1", default-features = false }
log = "0.4"
[workspace.lints.rust]
unsafe_code = "forbid"
`,
    'crates/core-x/Cargo.toml': `[package]\nname = "core-x"\nversion.workspace = true\nedition.workspace = true\n`,
    'crates/app-y/Cargo.toml': `[package]
name = "app-y"
version = { workspace = true }
edition.workspace = true
readme.workspace = true
license-file.workspace = true
authors.workspace = true
workspace = "../.."

[dependencies]
core-x = { workspace = true, features = ["b"], optional = true }
serde.workspace = true
renamed = { workspace = true, package = "log" }

[target.'cfg(unix)'.dev-dependencies]
log = { workspace = true }

[lints]
workspace = true
`,
    'nested/deep/leaf/Cargo.toml': `[package]\nname = "leaf"\nversion.workspace = true\n[dependencies]\ncore-x.workspace = true\n`,
    'plain/Cargo.toml': `[package]\nname = "plain"\nversion = "0.1.0"\n`,
    '.hidden/Cargo.toml': `[package]\nname = "hidden"\nversion = "0.1.0"\n`,
    'target/Cargo.toml': `[package]\nname = "built"\nversion = "0.1.0"\n`,
    'broken/Cargo.toml': `[package\nname = `,
  });
  const crates = findCrates(root);

  test('finds every package, shallowest first, skipping hidden, target and unreadable manifests', () => {
    expect(crates.map((c) => [c.name, c.version, c.dir])).toEqual([
      ['plain', '0.1.0', 'plain'],
      ['app-y', '1.4.0', 'crates/app-y'],
      ['core-x', '1.4.0', 'crates/core-x'],
      ['leaf', '1.4.0', 'nested/deep/leaf'],
    ]);
    expect(crates.find((c) => c.name === 'plain')!.manifest).toBeUndefined();
  });

  test('package fields, dependencies (merged, rebased), target tables and lints', () => {
    const m = crates.find((c) => c.name === 'app-y')!.manifest!;
    expect(m.package).toEqual({ name: 'app-y', version: '1.4.0', edition: '2021', readme: '../../README.md', 'license-file': '../../LICENSES/MIT.txt', authors: ['A'] });
    expect((m.dependencies as Record<string, unknown>)['core-x']).toEqual({ path: '../core-x', version: '1.4.0', features: ['a', 'b'], optional: true });
    expect((m.dependencies as Record<string, unknown>).serde).toEqual({ version: '1', 'default-features': false });
    expect((m.dependencies as Record<string, unknown>).renamed).toEqual({ version: '0.4' });
    expect(((m.target as Record<string, Record<string, unknown>>)['cfg(unix)']!['dev-dependencies'] as Record<string, unknown>).log).toEqual({ version: '0.4' });
    expect(m.lints).toEqual({ rust: { unsafe_code: 'forbid' } });
    const leaf = crates.find((c) => c.name === 'leaf')!.manifest!;
    expect((leaf.dependencies as Record<string, Record<string, unknown>>)['core-x']!.path).toBe('../../../crates/core-x');
  });

  test('the written manifest is TOML that reads back the same', () => {
    const m = crates.find((c) => c.name === 'app-y')!.manifest!;
    expect(parse(manifestText(m))).toEqual(m);
    expect(manifestText(m)).toBe(manifestText(structuredClone(m)));
  });

  test('a missing workspace value is a problem named for the crate', () => {
    const t = tree({ 'Cargo.toml': '[workspace]\n[workspace.package]\nedition = "2021"\n', 'a/Cargo.toml': '[package]\nname = "a"\nversion = "1.0.0"\nlicense.workspace = true\n' });
    expect(findCrates(t)[0]!.problem).toMatch(/package.license inherits from the workspace/);
  });

  test('a root package that is its own workspace', () => {
    const t = tree({ 'Cargo.toml': '[package]\nname = "r"\nversion.workspace = true\n[workspace]\nmembers = ["x"]\n[workspace.package]\nversion = "2.0.0"\n' });
    const [r] = findCrates(t);
    expect(r).toMatchObject({ name: 'r', version: '2.0.0', dir: '.' });
    expect(r!.manifest!.workspace).toBeUndefined();
  });

  test('target and build-script paths that leave the crate are reported', () => {
    const t = tree({
      'crates/x/Cargo.toml': '[package]\nname = "x"\nversion = "1.0.0"\nbuild = "../../build.rs"\n[lib]\npath = "../../src/lib.rs"\n[[bin]]\nname = "b"\npath = "src/main.rs"\n',
      'crates/y/Cargo.toml': '[package]\nname = "y"\nversion = "1.0.0"\n[lib]\npath = "src/../src/lib.rs"\n',
    });
    const found = findCrates(t);
    expect(found.find((c) => c.name === 'x')!.outside).toEqual(['../../build.rs', '../../src/lib.rs']);
    expect(found.find((c) => c.name === 'y')!.outside).toBeUndefined();
  });

  test('include and exclude leave files out as cargo package does; folders all left out are listed once', () => {
    const t = tree({
      'inc/Cargo.toml': '[package]\nname = "inc"\nversion = "1.0.0"\nreadme = "README.md"\ninclude = ["src/**/*.rs"]\n',
      'inc/README.md': 'r',
      'inc/src/lib.rs': '',
      'inc/src/data.bin': '',
      'inc/tests/t.rs': '',
      'inc/tests/more/u.rs': '',
      'exc/Cargo.toml': '[package]\nname = "exc"\nversion = "1.0.0"\nexclude = ["/fixtures", "*.log", "docs/"]\n',
      'exc/src/lib.rs': '',
      'exc/src/x.log': '',
      'exc/fixtures/a/b.txt': '',
      'exc/docs/x.md': '',
      'exc/keep.txt': '',
      'exc/sub/Cargo.toml': '[package]\nname = "sub"\nversion = "1.0.0"\n',
    });
    const found = findCrates(t);
    expect(found.find((c) => c.name === 'inc')!.drop).toEqual(['src/data.bin', 'tests']);
    expect(found.find((c) => c.name === 'exc')!.drop).toEqual(['docs', 'fixtures', 'src/x.log']);
    expect(found.find((c) => c.name === 'sub')!.drop).toBeUndefined();
  });

  test('rebase', () => {
    expect(rebase('crates/a', '', 'crates/b')).toBe('../a');
    expect(rebase('README.md', 'ws', 'ws/m')).toBe('../README.md');
    expect(rebase('x', '', '')).toBe('x');
  });
});
