// End to end, for lockfile versions 3 and 4: a workspace using the fixture crates.io (sparse, by source
// replacement), an alternative sparse registry, a git dependency with workspace inheritance, and a path
// member. Real `cargo generate-lockfile`, `lock2nix cargo`, real `nix-build` of the vendor directory, then
// real `cargo build --offline --frozen` with only that directory, the fixture servers shut down.

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { parse } from 'smol-toml';
import { nixBuildExpr, parseData, startGitServer, startServer, testWithTools, TEST_PKGS } from '@lock2nix/fixtures';
import { addSparseRegistry } from '../../../fixtures/src/registries/cargo.ts';
import { cargo, isolatedEnv } from './cargo-env.ts';

const run = promisify(execFile);
const PROJECTS = fileURLToPath(new URL('../../../fixtures/projects/cargo/', import.meta.url));
const CLI = fileURLToPath(new URL('../../../cli/bin/lock2nix.js', import.meta.url));

function fill(dir: string, vars: Record<string, string>): void {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    let t = readFileSync(p, 'utf8');
    for (const [k, v] of Object.entries(vars)) t = t.replaceAll(`@${k}@`, v);
    writeFileSync(p, t);
  }
}

function filesOf(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, filesOf(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

/** A v2 lockfile as cargo before 1.41 wrote it: full dependency ids, checksums under [metadata]. */
function toV1(v2: string): string {
  const doc = parse(v2) as { package: { name: string; version: string; source?: string; checksum?: string; dependencies?: string[] }[] };
  const id = (p: { name: string; version: string; source?: string }) => (p.source ? `${p.name} ${p.version} (${p.source})` : `${p.name} ${p.version}`);
  const find = (dep: string) => {
    const [name, version, src] = [dep.split(' ')[0], dep.split(' ')[1], /\((.*)\)$/.exec(dep)?.[1]];
    return doc.package.find((p) => p.name === name && (!version || p.version === version) && (!src || p.source === src))!;
  };
  const out: string[] = [];
  for (const p of doc.package) {
    out.push('[[package]]', `name = "${p.name}"`, `version = "${p.version}"`);
    if (p.source) out.push(`source = "${p.source}"`);
    if (p.dependencies) out.push('dependencies = [', ...p.dependencies.map((d) => ` "${id(find(d))}",`), ']');
    out.push('');
  }
  out.push('[metadata]');
  for (const p of doc.package) if (p.source) out.push(`"checksum ${id(p)}" = "${p.checksum ?? '<none>'}"`);
  return `${out.join('\n')}\n`;
}

describe.each([3, 4, 2, 1])('Cargo.lock v%i', (lockVersion) => {
  testWithTools(['cargo', 'nix-build', 'git'], 'generate-lockfile, lock2nix, nix-build, cargo build --offline --frozen', async () => {
    let vendorDir = '';
    let projectDir = '';
    let tmpDir = '';
    let lockTextAtBuild = '';
    const server = await startServer();
    const git = await startGitServer();
    try {
      const tmp = mkdtempSync(join(tmpdir(), `lock2nix-cargo-e2e-v${lockVersion}-`));
      // registries: the fixture crates.io and an alternative one, both sparse
      const crates = addSparseRegistry(server, 'crates');
      const alt = addSparseRegistry(server, 'alt', { dl: '/{prefix}/{crate}/{version}/{sha256-checksum}' });
      await crates.publish({ name: 'tiny', version: '0.3.1' });
      await crates.publish({ name: 'ferris', version: '1.2.0', deps: [{ name: 'tiny', req: '^0.3' }] });
      await crates.publish({ name: 'dup', version: '1.0.0', files: { 'src/lib.rs': 'pub fn origin() -> &\'static str { "crates-io" }\n' } });
      await alt.publish({ name: 'dup', version: '1.0.0', files: { 'src/lib.rs': 'pub fn origin() -> &\'static str { "alt" }\n' } });
      await alt.publish({ name: 'altcrate', version: '0.1.0' });
      // the git dependency: a workspace whose members inherit from the root
      await git.commit('gitdep', {
        ...filesOf(join(PROJECTS, 'gitdep')),
        // symlinks: inside the crate (kept), out of it (broken once vendored), absolute (never followed)
        'crates/gitcrate/in-link': { symlink: 'src/lib.rs' },
        'crates/gitcrate/up-link': { symlink: '../../Cargo.toml' },
        'crates/gitcrate/abs-link': { symlink: '/etc/hostname' },
      }, { branch: 'feature/x' });
      // a tag, and a short rev kept exactly as written
      const lib = (n: string, v: string) => ({ 'Cargo.toml': `[package]\nname = "${n}"\nversion = "${v}"\nedition = "2021"\n`, 'src/lib.rs': `pub fn name() -> &'static str { "${n}" }\n` });
      await git.commit('tagdep', lib('tagged', '1.0.0'), { branch: 'main', tag: 'v1.0' });
      const revCommit = await git.commit('revdep', lib('revved', '0.5.0'), { branch: 'main' });
      // no selector at all, default branch master: v1/v2 locks cannot tell this from branch = "master"
      await git.commit('defdep', lib('defaulted', '0.0.1'), { branch: 'master' });
      await git.commit('revdep', { 'README': 'a later commit that the short rev does not point at\n' }, { branch: 'main' });

      const project = join(tmp, 'project');
      cpSync(join(PROJECTS, 'workspace'), project, { recursive: true });
      fill(project, { ALT_INDEX: alt.configIndex, GIT_URL: `${git.url}/gitdep`, TAG_URL: `${git.url}/tagdep`, REV_URL: `${git.url}/revdep`, DEFAULT_URL: `${git.url}/defdep`, SHORT_REV: revCommit.slice(0, 8), RUST_VERSION: lockVersion === 3 ? 'rust-version = "1.70"' : '' });
      const home = join(tmp, 'cargo-home');
      mkdirSync(home);
      let homeConfig = `[source.crates-io]\nreplace-with = "fixture"\n\n[source.fixture]\nregistry = ${JSON.stringify(crates.configIndex)}\n`;
      if (lockVersion <= 2) {
        // here the registry name comes from the user's config, not the project's: the vendor config carries it
        rmSync(join(project, '.cargo'), { recursive: true });
        homeConfig += `\n[registries.alt]\nindex = ${JSON.stringify(alt.configIndex)}\n`;
      }
      writeFileSync(join(home, 'config.toml'), homeConfig);
      const env = isolatedEnv(home);

      await cargo(project, env, 'generate-lockfile');
      if (lockVersion <= 2) {
        // what cargo 1.41–1.52 wrote for the same resolve: no version line, git query values as written
        const v4 = readFileSync(join(project, 'Cargo.lock'), 'utf8');
        const v2 = v4.replace('version = 4\n\n', '').replaceAll('?branch=feature%2Fx#', '?branch=feature/x#');
        writeFileSync(join(project, 'Cargo.lock'), lockVersion === 2 ? v2 : toV1(v2));
      }
      const lockText = readFileSync(join(project, 'Cargo.lock'), 'utf8');
      if (lockVersion > 2) expect(lockText).toContain(`version = ${lockVersion}\n`);
      else expect(lockText.split('[[package]]')[0]).not.toMatch(/^version =/m);
      expect(lockText).toContain(`source = "sparse+${alt.index}"`);
      expect(lockText).toContain(`?branch=${lockVersion === 4 ? 'feature%2Fx' : 'feature/x'}#`);
      expect(lockText).toMatch(/source = "git\+git:\/\/127\.0\.0\.1:\d+\/defdep#[0-9a-f]{40}"/);
      expect(lockText).toContain(`?rev=${revCommit.slice(0, 8)}#${revCommit}"`);

      // lock2nix cargo, online against the loopback servers
      const out = join(project, 'lock2nix');
      const r = await run(process.execPath, [CLI, 'cargo', '--cache-dir', join(tmp, 'cache'), '--quiet'], { cwd: project, env: { ...env, HOME: tmp } });
      expect(r.stderr).toBe('');
      // lock2nix downloaded (and checked) every crate, as itself
      expect(crates.downloads.length + alt.downloads.length).toBe(5);
      for (const d of [...crates.downloads, ...alt.downloads]) expect(d.userAgent).toMatch(/^lock2nix\//);
      const text = readFileSync(join(out, 'cargo.json'), 'utf8');
      const data = parseData(text);
      expect(data.lockfile.format).toBe(`Cargo.lock v${lockVersion}`);
      // the same name and version from two sources, each in its own folder
      expect(Object.keys(data.artifacts).filter((k) => /^[a-z0-9-]+\/dup-1\.0\.0$/.test(k))).toHaveLength(2);
      expect(text).toContain(crates.crate('ferris', '1.2.0').url);
      expect(text).toContain(alt.crate('dup', '1.0.0').url);
      expect(Object.values(data.artifacts).find((a) => a.name === 'gitcrate')?.meta?.manifest).toContain('version = "0.2.0"'); // gitcrate's manifest with inheritance resolved

      // the vendor directory, with the test package set
      const vendor = await nixBuildExpr(
        `let pkgs = import ${TEST_PKGS} { }; in pkgs.callPackage ${join(out, 'lib/cargo.nix')} { lock = builtins.fromJSON (builtins.readFile ${join(out, 'cargo.json')}); cargoLock = ${join(project, 'Cargo.lock')}; }`,
      );
      const vendorConfig = readFileSync(join(vendor, '.cargo/config.toml'), 'utf8');
      expect(vendorConfig.includes('[registries."alt"]')).toBe(lockVersion <= 2);
      expect(readFileSync(join(vendor, 'Cargo.lock'), 'utf8')).toBe(lockText);
      const gitcrate = readdirSync(vendor, { recursive: true, withFileTypes: true }).find((e) => e.name === 'gitcrate-0.2.0')!;
      // exclude = ["tests/data", "*.bak"] left those out; the escaping and absolute symlinks are gone
      expect(readdirSync(join(gitcrate.parentPath, gitcrate.name)).sort()).toEqual(['.cargo-checksum.json', 'Cargo.toml', 'Cargo.toml.orig', 'in-link', 'src']);
      vendorDir = vendor;
      lockTextAtBuild = lockText;
      projectDir = project;
      tmpDir = tmp;
    } finally {
      await git.close().catch(() => undefined);
      await server.close();
    }

    // with the servers gone: a fresh CARGO_HOME holding only the vendor directory's config
    const home2 = join(tmpDir, 'cargo-home-offline');
    mkdirSync(home2);
    writeFileSync(join(home2, 'config.toml'), readFileSync(join(vendorDir, '.cargo/config.toml')));
    const env2 = isolatedEnv(home2, { CARGO_TARGET_DIR: join(tmpDir, 'target') });
    await cargo(projectDir, env2, 'build', '--offline', '--frozen');
    const { stdout } = await run(join(tmpDir, 'target/debug/app'), []);
    expect(stdout.trim()).toBe('ferris 1.2.0 dup crates-io dup-alt alt altcrate 0.1.0 gitcrate 42 util 42 tagged revved defaulted');
    expect(readFileSync(join(projectDir, 'Cargo.lock'), 'utf8')).toBe(lockTextAtBuild);
    rmSync(tmpDir, { recursive: true, force: true }); // kept when the test fails, for a look
  }, 600_000);
});
