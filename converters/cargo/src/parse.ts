// Cargo.lock v1–v4 (and the pre-v1 `[root]` table) to a list of locked packages, with file:line errors.

import { LockfileError, headerLines, lineAt, parseToml, type TomlTable } from '@lock2nix/core';
import type { CargoLock, LockVersion, LockedPackage } from './schema.ts';
import { parseSource } from './source.ts';

const CHECKSUM = /^[0-9a-f]{64}$/;

function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The lockfile version: an integer `version` key wins; else v1 when `[metadata]` holds `checksum …` keys; else v2. */
function detectVersion(file: string, text: string, doc: TomlTable): LockVersion {
  const v = doc.version;
  const line = () => {
    const m = /^[ \t]*version[ \t]*=/m.exec(text);
    return m ? lineAt(text, m.index) : undefined;
  };
  if (v !== undefined) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new LockfileError(file, line(), `the lockfile version must be a whole number, got ${JSON.stringify(v)}`);
    if (v >= 1 && v <= 4) return v as LockVersion;
    if (v === 5) throw new LockfileError(file, line(), 'lockfile version 5 is unstable (cargo -Znext-lockfile-bump) and not supported; regenerate it with stable cargo');
    throw new LockfileError(file, line(), `unknown lockfile version ${v} (lock2nix reads versions 1 to 4)`);
  }
  const meta = doc.metadata;
  if (isTable(meta) && Object.keys(meta).some((k) => k.startsWith('checksum '))) return 1;
  return 2;
}

function str(file: string, line: number, pkg: TomlTable, key: string, required: boolean): string | undefined {
  const v = pkg[key];
  if (v === undefined) {
    if (required) throw new LockfileError(file, line, `package${typeof pkg.name === 'string' ? ` ${pkg.name}` : ''} has no ${key}`);
    return undefined;
  }
  if (typeof v !== 'string') throw new LockfileError(file, line, `${key} must be a string, got ${JSON.stringify(v)}`);
  if (required && v === '') throw new LockfileError(file, line, `${key} is empty`);
  return v;
}

function readPackages(file: string, text: string, list: unknown, header: string, version: LockVersion, unused: boolean): LockedPackage[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new LockfileError(file, undefined, `${header} must be an array of tables`);
  const lines = headerLines(text, header);
  return list.map((p, i): LockedPackage => {
    const line = lines[i] ?? lines[lines.length - 1] ?? 1;
    if (!isTable(p)) throw new LockfileError(file, line, `${header} entry ${i + 1} is not a table`);
    const name = str(file, line, p, 'name', true)!;
    const ver = str(file, line, p, 'version', true)!;
    const source = str(file, line, p, 'source', false);
    const checksum = str(file, line, p, 'checksum', false);
    if (source !== undefined) {
      const parsed = parseSource(source, version);
      if (typeof parsed === 'string') throw new LockfileError(file, line, `${name} ${ver}: ${parsed}`);
    }
    if (checksum !== undefined && !CHECKSUM.test(checksum)) {
      throw new LockfileError(file, line, `${name} ${ver}: checksum ${JSON.stringify(checksum)} is not a lowercase hex sha256`);
    }
    if (checksum !== undefined && version === 1) {
      // cargo ignores nothing here, but a v1 file keeps checksums in [metadata]; an inline one is a mix-up
      throw new LockfileError(file, line, `${name} ${ver}: an inline checksum in a version 1 lockfile (checksums live in [metadata])`);
    }
    if (p.dependencies !== undefined && (!Array.isArray(p.dependencies) || p.dependencies.some((d) => typeof d !== 'string'))) {
      throw new LockfileError(file, line, `${name} ${ver}: dependencies must be a list of strings`);
    }
    return { name, version: ver, ...(source !== undefined ? { source } : {}), ...(checksum !== undefined ? { checksum } : {}), line, ...(unused ? { unused: true } : {}) };
  });
}

/** v1: `"checksum <name> <version> (<source>)" = "<hex>" | "<none>"` under `[metadata]`. */
function applyMetadataChecksums(file: string, text: string, doc: TomlTable, packages: LockedPackage[]): void {
  const meta = doc.metadata;
  if (!isTable(meta)) return;
  const byId = new Map<string, LockedPackage>();
  for (const p of packages) if (p.source !== undefined) byId.set(`${p.name} ${p.version} (${p.source})`, p);
  for (const [key, value] of Object.entries(meta)) {
    if (!key.startsWith('checksum ')) continue;
    const at = text.indexOf(key);
    const line = at >= 0 ? lineAt(text, at) : undefined;
    if (typeof value !== 'string') throw new LockfileError(file, line, `[metadata] ${JSON.stringify(key)} must be a string`);
    const id = key.slice('checksum '.length);
    const pkg = byId.get(id);
    if (!pkg) throw new LockfileError(file, line, `[metadata] has a checksum for ${id}, which is not a locked package`);
    if (value === '<none>') continue;
    if (!CHECKSUM.test(value)) throw new LockfileError(file, line, `[metadata] checksum of ${id} is not a lowercase hex sha256: ${JSON.stringify(value)}`);
    pkg.checksum = value;
  }
}

export function parseCargoLock(file: string, text: string): CargoLock {
  const doc = parseToml(file, text);
  const version = detectVersion(file, text, doc);
  const packages: LockedPackage[] = [];
  if (doc.root !== undefined) packages.push(...readPackages(file, text, [doc.root], '[root]', version, false));
  packages.push(...readPackages(file, text, doc.package, '[[package]]', version, false));
  const patch = doc.patch;
  if (patch !== undefined) {
    if (!isTable(patch)) throw new LockfileError(file, undefined, '[patch] must be a table');
    packages.push(...readPackages(file, text, patch.unused, '[[patch.unused]]', version, true));
  }
  if (packages.length === 0 && doc.package === undefined && doc.root === undefined) {
    if (Object.keys(doc).length === 0 || (doc.version !== undefined && Object.keys(doc).length === 1)) {
      // an empty lock (a project with no dependencies writes `version = 4` and one package, so this is truncated)
      throw new LockfileError(file, lineAt(text, text.length), 'no [[package]] entries: the lockfile is empty or truncated');
    }
  }
  if (version === 1) applyMetadataChecksums(file, text, doc, packages);
  const seen = new Map<string, LockedPackage>();
  for (const p of packages) {
    const id = `${p.name} ${p.version} ${p.source ?? '(path)'}`;
    const twin = seen.get(id);
    if (twin && !p.unused && !twin.unused) throw new LockfileError(file, p.line, `${p.name} ${p.version} is locked twice from the same source (first at line ${twin.line}): a bad merge?`);
    seen.set(id, p);
    if (p.source !== undefined && p.source.startsWith('git+') && p.checksum !== undefined) {
      throw new LockfileError(file, p.line, `${p.name} ${p.version}: a git package cannot have a checksum`);
    }
  }
  return { version, packages };
}
