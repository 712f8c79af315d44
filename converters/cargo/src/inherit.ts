// Workspace inheritance in a git dependency's manifest, resolved the way `cargo vendor` does: fields set with
// `workspace = true` take the workspace root's value, inherited dependencies merge with
// `[workspace.dependencies]`, and relative paths taken from the root are rebased onto the crate's folder.

import { posix } from 'node:path';

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function inherits(v: unknown): boolean {
  return isTable(v) && v.workspace === true;
}

const DEP_TABLES = ['dependencies', 'dev-dependencies', 'dev_dependencies', 'build-dependencies', 'build_dependencies'];
const PATH_FIELDS = new Set(['readme', 'license-file']);

/** Does the manifest use anything from its workspace? */
export function usesInheritance(doc: Table): boolean {
  const pkg = isTable(doc.package) ? doc.package : undefined;
  if (pkg && Object.values(pkg).some(inherits)) return true;
  if (inherits(doc.lints)) return true;
  const tables: Table[] = [doc];
  if (isTable(doc.target)) for (const t of Object.values(doc.target)) if (isTable(t)) tables.push(t);
  return tables.some((t) => DEP_TABLES.some((k) => isTable(t[k]) && Object.values(t[k]).some(inherits)));
}

/** A path written relative to the workspace root, made relative to the member's folder (both relative to the repo). */
export function rebase(path: string, rootDir: string, memberDir: string): string {
  if (posix.isAbsolute(path)) return path;
  const target = posix.normalize(posix.join(rootDir || '.', path));
  const rel = posix.relative(memberDir || '.', target);
  return rel === '' ? '.' : rel;
}

export class InheritanceError extends Error {}

function mergeDependency(name: string, member: Table, ws: Table, rootDir: string, memberDir: string): Table {
  const wsDeps = isTable(ws.dependencies) ? ws.dependencies : {};
  const key = typeof member.package === 'string' && !(name in wsDeps) ? member.package : name;
  const base = wsDeps[key];
  if (base === undefined) throw new InheritanceError(`dependency ${name} inherits from the workspace, which does not declare it`);
  const out: Table = typeof base === 'string' ? { version: base } : isTable(base) ? { ...base } : {};
  if (typeof out.path === 'string') out.path = rebase(out.path, rootDir, memberDir);
  const features = [...(Array.isArray(out.features) ? out.features : []), ...(Array.isArray(member.features) ? member.features : [])];
  if (features.length > 0) out.features = [...new Set(features)];
  if (member.optional !== undefined) out.optional = member.optional;
  if (member.public !== undefined) out.public = member.public;
  // default-features comes from the workspace entry; a member's `default-features = false` cannot turn it off
  const memberDefault = member['default-features'] ?? member.default_features;
  if (memberDefault === true && out['default-features'] === undefined && out.default_features === undefined) out['default-features'] = true;
  return out;
}

/**
 * The manifest with everything inherited filled in. `memberDir` and `rootDir` are the folders of the member
 * and of the workspace root, relative to the repository (`''` for its top).
 */
export function resolveInheritance(doc: Table, workspace: Table | undefined, rootDir: string, memberDir: string): Table {
  const out: Table = structuredClone(doc);
  const ws = workspace ?? {};
  const wsPackage = isTable(ws.package) ? ws.package : {};
  if (isTable(out.package)) {
    const pkg = out.package;
    for (const [k, v] of Object.entries(pkg)) {
      if (!inherits(v)) continue;
      if (!(k in wsPackage)) throw new InheritanceError(`package.${k} inherits from the workspace, which does not set workspace.package.${k}`);
      let value = structuredClone(wsPackage[k]);
      if (PATH_FIELDS.has(k) && typeof value === 'string') value = rebase(value, rootDir, memberDir);
      pkg[k] = value;
    }
    delete pkg.workspace;
  }
  if (inherits(out.lints)) {
    if (!isTable(ws.lints)) throw new InheritanceError('lints inherit from the workspace, which sets no [workspace.lints]');
    out.lints = structuredClone(ws.lints);
  }
  const tables: Table[] = [out];
  if (isTable(out.target)) for (const t of Object.values(out.target)) if (isTable(t)) tables.push(t);
  for (const t of tables) {
    for (const k of DEP_TABLES) {
      const deps = t[k];
      if (!isTable(deps)) continue;
      for (const [name, d] of Object.entries(deps)) if (inherits(d)) deps[name] = mergeDependency(name, d as Table, ws, rootDir, memberDir);
    }
  }
  // the crate no longer sits in its workspace once vendored
  delete out.workspace;
  return out;
}
