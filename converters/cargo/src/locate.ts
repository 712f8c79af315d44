// Finding the locked crates inside a fetched git tree: every Cargo.toml, shallowest first (as cargo's git
// source walks it), matched by package name and version (after workspace inheritance).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
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
    found.push({ name, version, dir, ...(manifest ? { manifest } : {}), ...(problem ? { problem } : {}), ...(outside.length ? { outside } : {}) });
  }
  return found;
}
