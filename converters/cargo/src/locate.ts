// Finding the locked crates inside a fetched git tree: every Cargo.toml, shallowest first (as cargo's git
// source walks it), matched by package name and version (after workspace inheritance).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ignore from 'ignore';
import { parse } from 'smol-toml';
import { InheritanceError, resolveInheritance, usesInheritance } from './inherit.ts';

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export interface FoundCrate {
  name: string;
  version: string;
  /** folder of the crate, relative to the tree (`.` for the top) */
  dir: string;
  /** the manifest with inheritance resolved, when it inherits anything (else undefined: use the file as is) */
  manifest?: Table;
  /** a problem with this crate's manifest (inheritance that cannot be resolved) */
  problem?: string;
  /** build inputs the manifest names outside the crate's folder (lost once the crate is vendored alone) */
  outside?: string[];
  /** files and folders (relative to the crate) that `package.include` / `package.exclude` leave out */
  drop?: string[];
}

/**
 * What `cargo package` (and so `cargo vendor`) leaves out of a crate by its `include` or `exclude` patterns
 * (gitignore rules; `include` wins over `exclude`). Cargo.toml, the readme, the license file and the build
 * script stay. Nested packages and git metadata are left to the builder, which drops them anyway. A folder
 * whose every file is left out is listed as the folder.
 */
export function droppedFiles(crateDir: string, pkg: Table): string[] {
  const patterns = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const include = patterns(pkg.include);
  const exclude = patterns(pkg.exclude);
  if (include.length === 0 && exclude.length === 0) return [];
  const always = new Set(['Cargo.toml', ...[pkg.readme, pkg['license-file'], pkg.build].filter((x): x is string => typeof x === 'string').map((p) => posix.normalize(p))]);
  const matcher = ignore().add(include.length > 0 ? include : exclude);
  const leaveOut = (rel: string) => !always.has(rel) && (include.length > 0 ? !matcher.ignores(rel) : matcher.ignores(rel));
  // returns true when everything below `rel` is left out
  const walk = (rel: string, out: string[]): boolean => {
    let entries;
    try {
      entries = readdirSync(join(crateDir, rel), { withFileTypes: true });
    } catch {
      return false;
    }
    const mine: string[] = [];
    let all = true;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(e.name) || e.name === '.git') {
        all = false;
        continue;
      }
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !existsSync(join(crateDir, p, 'Cargo.toml'))) {
        const below: string[] = [];
        if (walk(p, below)) mine.push(p);
        else {
          mine.push(...below);
          all = false;
        }
      } else if (!e.isDirectory() && leaveOut(p)) {
        mine.push(p);
      } else {
        all = false;
      }
    }
    out.push(...mine);
    return all && entries.length > 0;
  };
  const out: string[] = [];
  walk('', out);
  return out;
}

/** Target and build-script paths of a manifest that leave the crate's folder. */
function outsidePaths(doc: Table): string[] {
  const paths: string[] = [];
  const pkg = isTable(doc.package) ? doc.package : {};
  if (typeof pkg.build === 'string') paths.push(pkg.build);
  if (isTable(doc.lib) && typeof doc.lib.path === 'string') paths.push(doc.lib.path);
  for (const k of ['bin', 'example', 'test', 'bench']) {
    const list = doc[k];
    if (Array.isArray(list)) for (const t of list) if (isTable(t) && typeof t.path === 'string') paths.push(t.path);
  }
  return paths.filter((p) => posix.isAbsolute(p) || posix.normalize(p).startsWith('../'));
}

function readManifest(root: string, dir: string): Table | undefined {
  const f = join(root, dir, 'Cargo.toml');
  if (!existsSync(f)) return undefined;
  try {
    return parse(readFileSync(f, 'utf8')) as Table;
  } catch {
    return undefined; // cargo skips manifests it cannot read in a git checkout, with a warning
  }
}

/** Manifest folders, breadth first, names in byte order; hidden folders and `target` skipped. */
function manifestDirs(root: string): string[] {
  const out: string[] = [];
  let level = ['.'];
  while (level.length > 0) {
    const next: string[] = [];
    for (const dir of level) {
      if (existsSync(join(root, dir, 'Cargo.toml'))) out.push(dir);
      let entries;
      try {
        entries = readdirSync(join(root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      const subs = entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'target')
        .map((e) => e.name)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const s of subs) next.push(dir === '.' ? s : `${dir}/${s}`);
    }
    level = next;
  }
  return out;
}

/** The workspace root of a member: itself, its `package.workspace`, or the nearest parent with `[workspace]`. */
function workspaceRoot(root: string, dir: string, doc: Table): { dir: string; ws: Table } | undefined {
  if (isTable(doc.workspace)) return { dir, ws: doc.workspace };
  const pkg = isTable(doc.package) ? doc.package : {};
  if (typeof pkg.workspace === 'string') {
    const d = posix.normalize(posix.join(dir, pkg.workspace));
    const m = d.startsWith('..') ? undefined : readManifest(root, d);
    return m && isTable(m.workspace) ? { dir: d, ws: m.workspace } : undefined;
  }
  let d = dir;
  while (d !== '.') {
    d = posix.dirname(d);
    const m = readManifest(root, d);
    if (m && isTable(m.workspace)) return { dir: d, ws: m.workspace };
  }
  return undefined;
}

/** Every package in the tree (first one wins for a repeated name and version). */
export function findCrates(root: string): FoundCrate[] {
  const found: FoundCrate[] = [];
  const seen = new Set<string>();
  for (const dir of manifestDirs(root)) {
    const doc = readManifest(root, dir);
    if (!doc || !isTable(doc.package) || typeof doc.package.name !== 'string') continue;
    const name = doc.package.name;
    let manifest: Table | undefined;
    let problem: string | undefined;
    if (usesInheritance(doc)) {
      const wsRoot = workspaceRoot(root, dir, doc);
      try {
        manifest = resolveInheritance(doc, wsRoot?.ws, wsRoot ? (wsRoot.dir === '.' ? '' : wsRoot.dir) : '', dir === '.' ? '' : dir);
      } catch (e) {
        if (!(e instanceof InheritanceError)) throw e;
        problem = e.message + (wsRoot ? '' : ' (no workspace root found above it)');
      }
    }
    const pkg = (manifest?.package ?? doc.package) as Table;
    const version = typeof pkg.version === 'string' ? pkg.version : '0.0.0'; // cargo's default since 1.75
    const id = `${name} ${version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const outside = outsidePaths(manifest ?? doc);
    const drop = droppedFiles(join(root, dir), pkg);
    found.push({ name, version, dir, ...(manifest ? { manifest } : {}), ...(problem ? { problem } : {}), ...(outside.length ? { outside } : {}), ...(drop.length ? { drop } : {}) });
  }
  return found;
}
