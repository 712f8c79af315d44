// poetry.lock -> PoetryLock. Checks what lock2nix relies on (names, versions, file hashes, sources) and
// ignores keys it does not know, so that additive changes in newer Poetry releases do not break it.

import { LockfileError, headerLines, parseToml, type ParsedLock, type TomlTable } from '@lock2nix/core';
import { eq } from '@renovatebot/pep440';
import { normalizeName, parseDistFile } from './names.ts';
import type { DependencySpec, LockedFile, LockedPackage, PackageSource, PoetryLock } from './schema.ts';

const SOURCE_TYPES = new Set(['legacy', 'git', 'url', 'file', 'directory']);

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

export { detect } from './meta.ts';

function sameVersion(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return eq(a, b);
  } catch {
    return false;
  }
}

export function parse(file: string, text: string): ParsedLock<PoetryLock> {
  const doc = parseToml(file, text);
  const err = (line: number | undefined, reason: string) => new LockfileError(file, line, reason);
  const metadataLine = headerLines(text, '[metadata]')[0];
  const metadata = doc.metadata;
  if (metadata !== undefined && !isTable(metadata)) throw err(metadataLine, '[metadata] is not a table');
  const meta: TomlTable = metadata ?? {};
  let lockVersion = meta['lock-version'];
  if (lockVersion === undefined) {
    if (isTable(meta.files)) lockVersion = '1.0';
    else if (isTable(meta.hashes)) throw err(metadataLine, 'a Poetry 0.12 lockfile ([metadata.hashes] without file names) cannot be converted: run `poetry lock` with a current Poetry to rewrite it');
    else throw err(metadataLine ?? 1, metadataLine === undefined ? 'no [metadata] table with a lock-version: is this a poetry.lock?' : 'no metadata.lock-version: is this a poetry.lock?');
  }
  if (typeof lockVersion !== 'string' || !/^\d+\.\d+$/.test(lockVersion)) throw err(metadataLine, `metadata.lock-version ${JSON.stringify(lockVersion)} is not a version`);
  const major = Number(lockVersion.split('.')[0]);
  if (major < 1 || major > 2) throw err(metadataLine, `lock-version ${lockVersion} is not supported (lock2nix reads 1.x and 2.x)`);
  const notes: string[] = [];

  const rawPackages = doc.package ?? [];
  if (!Array.isArray(rawPackages)) throw err(undefined, '`package` must be an array of tables ([[package]])');
  const lines = headerLines(text, '[[package]]');
  const packages: LockedPackage[] = rawPackages.map((raw, i) => parsePackage(raw, lines[i], major, err));

  // 1.x: files live in [metadata.files], keyed by name, merged over every locked version of that name.
  if (major === 1) {
    const filesTable = meta.files;
    if (filesTable !== undefined && !isTable(filesTable)) throw err(metadataLine, '[metadata.files] is not a table');
    const byName = new Map<string, { key: string; files: LockedFile[] }>();
    const fileLines = filesTable === undefined ? new Map<string, number>() : metadataFilesLines(text);
    for (const [key, list] of Object.entries(filesTable ?? {})) {
      const files = parseFiles(list, fileLines.get(key), `metadata.files.${key}`, err);
      const norm = normalizeName(key);
      const prev = byName.get(norm);
      if (prev) prev.files.push(...files);
      else byName.set(norm, { key, files });
    }
    const versionsOf = new Map<string, LockedPackage[]>();
    for (const p of packages) versionsOf.set(p.normName, [...(versionsOf.get(p.normName) ?? []), p]);
    for (const [norm, pkgs] of versionsOf) {
      const entry = byName.get(norm);
      if (!entry) continue;
      if (pkgs.length === 1) {
        pkgs[0]!.files = entry.files;
        continue;
      }
      for (const f of entry.files) {
        const d = parseDistFile(f.file);
        const owner = d ? pkgs.find((p) => sameVersion(p.version, d.version)) : undefined;
        if (owner) owner.files.push(f);
        else notes.push(`metadata.files.${entry.key}: ${f.file} matches none of the locked versions (${pkgs.map((p) => p.version).join(', ')}); left out`);
      }
    }
  }

  // The same file twice in one package: identical entries are merged, conflicting ones are an error.
  for (const p of packages) {
    const seen = new Map<string, LockedFile>();
    for (const f of p.files) {
      const prev = seen.get(f.file);
      if (prev && (prev.hex !== f.hex || prev.algo !== f.algo)) throw err(p.line, `${p.name} ${p.version}: ${f.file} is listed twice with different hashes`);
      seen.set(f.file, f);
    }
    p.files = [...seen.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  const extras: Record<string, string[]> = {};
  if (isTable(doc.extras)) {
    for (const [k, v] of Object.entries(doc.extras)) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw err(headerLines(text, '[extras]')[0], `extras.${k} must be a list of names`);
      extras[k] = v as string[];
    }
  }
  const lock: PoetryLock = {
    lockVersion,
    ...(typeof meta['python-versions'] === 'string' ? { pythonVersions: meta['python-versions'] } : {}),
    ...(typeof meta['content-hash'] === 'string' ? { contentHash: meta['content-hash'] } : {}),
    packages,
    extras,
    notes,
  };
  return { ecosystem: 'poetry', file, format: `poetry.lock (lock-version ${lockVersion})`, native: lock };
}

type ErrFn = (line: number | undefined, reason: string) => LockfileError;

/**
 * The 1-based line of each key of Poetry 1.x's [metadata.files] table (`name = [` or `"dotted.name" = [`), for
 * messages about its files.
 */
function metadataFilesLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const header = headerLines(text, '[metadata.files]')[0];
  if (header === undefined) return out;
  const lines = text.split('\n');
  // `header` is 1-based: lines[header] is the line after it
  for (let i = header; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*\[/.test(l)) break;
    const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=/.exec(l);
    if (!m) continue;
    let key = m[2] ?? m[3];
    if (m[1] !== undefined) {
      try {
        key = JSON.parse(`"${m[1]}"`) as string;
      } catch {
        key = m[1];
      }
    }
    if (key !== undefined && !out.has(key)) out.set(key, i + 1);
  }
  return out;
}

function parseFiles(list: unknown, line: number | undefined, where: string, err: ErrFn): LockedFile[] {
  if (!Array.isArray(list)) throw err(line, `${where} must be a list of {file, hash} tables`);
  return list.map((f) => {
    if (!isTable(f) || typeof f.file !== 'string' || typeof f.hash !== 'string') throw err(line, `${where}: every entry needs a file and a hash`);
    const m = /^(sha256|sha512):([0-9a-fA-F]+)$/.exec(f.hash);
    if (!m) throw err(line, `${where}: ${f.file} has an unsupported hash ${JSON.stringify(f.hash)} (expected sha256:<hex>)`);
    const algo = m[1] as 'sha256' | 'sha512';
    const hex = m[2]!.toLowerCase();
    if (hex.length !== (algo === 'sha256' ? 64 : 128)) throw err(line, `${where}: ${f.file} has a ${algo} of the wrong length`);
    if (f.file === '' || f.file.includes('/') || f.file.includes('\\') || f.file === '.' || f.file === '..') throw err(line, `${where}: ${JSON.stringify(f.file)} is not a plain file name`);
    return { file: f.file, algo, hex };
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parseDependency(v: unknown): DependencySpec {
  if (typeof v === 'string') return { version: v, extras: [], optional: false };
  if (!isTable(v)) return { extras: [], optional: false };
  const extras = Array.isArray(v.extras) ? v.extras.filter((x): x is string => typeof x === 'string') : [];
  const d: DependencySpec = { extras, optional: v.optional === true };
  for (const k of ['version', 'markers', 'python', 'git', 'url', 'path'] as const) {
    const s = str(v[k]);
    if (s !== undefined) d[k] = s;
  }
  return d;
}

function parsePackage(raw: unknown, line: number | undefined, major: number, err: ErrFn): LockedPackage {
  if (!isTable(raw)) throw err(line, '[[package]] is not a table');
  const name = raw.name;
  const version = raw.version;
  if (typeof name !== 'string' || name === '') throw err(line, 'package without a name');
  if (typeof version !== 'string' || version === '') throw err(line, `package ${name} has no version`);
  const what = `${name} ${version}`;
  let source: PackageSource | undefined;
  if (raw.source !== undefined) {
    const s = raw.source;
    if (!isTable(s) || typeof s.type !== 'string' || typeof s.url !== 'string') throw err(line, `${what}: [package.source] needs a type and a url`);
    if (!SOURCE_TYPES.has(s.type)) throw err(line, `${what}: unknown source type ${JSON.stringify(s.type)} (known: ${[...SOURCE_TYPES].join(', ')})`);
    source = {
      type: s.type as PackageSource['type'],
      url: s.url,
      ...(str(s.reference) !== undefined ? { reference: str(s.reference)! } : {}),
      ...(str(s.resolved_reference) !== undefined ? { resolvedReference: str(s.resolved_reference)! } : {}),
      ...(str(s.subdirectory) !== undefined ? { subdirectory: str(s.subdirectory)! } : {}),
    };
    if (source.type === 'git' && !/^[0-9a-f]{40}$/.test(source.resolvedReference ?? '')) {
      throw err(line, `${what}: git source without a full resolved_reference commit`);
    }
  }
  let markers: LockedPackage['markers'];
  if (typeof raw.markers === 'string') markers = raw.markers;
  else if (isTable(raw.markers)) {
    markers = {};
    for (const [g, m] of Object.entries(raw.markers)) {
      if (typeof m !== 'string') throw err(line, `${what}: markers.${g} must be a string`);
      markers[g] = m;
    }
  } else if (raw.markers !== undefined) throw err(line, `${what}: markers must be a string or a table`);
  let groups: string[] | undefined;
  if (raw.groups !== undefined) {
    if (!Array.isArray(raw.groups) || !raw.groups.every((g) => typeof g === 'string')) throw err(line, `${what}: groups must be a list of names`);
    groups = raw.groups as string[];
  }
  const dependencies: Record<string, DependencySpec[]> = {};
  if (raw.dependencies !== undefined) {
    if (!isTable(raw.dependencies)) throw err(line, `${what}: [package.dependencies] is not a table`);
    for (const [dep, spec] of Object.entries(raw.dependencies)) {
      dependencies[dep] = Array.isArray(spec) ? spec.map(parseDependency) : [parseDependency(spec)];
    }
  }
  const extras: Record<string, string[]> = {};
  if (isTable(raw.extras)) {
    for (const [e, list] of Object.entries(raw.extras)) {
      if (!Array.isArray(list)) throw err(line, `${what}: extras.${e} must be a list`);
      extras[e] = list.filter((x): x is string => typeof x === 'string');
    }
  }
  const files = major >= 2 && raw.files !== undefined ? parseFiles(raw.files, line, `${what}: files`, err) : [];
  return {
    name,
    normName: normalizeName(name),
    version,
    line,
    optional: raw.optional === true,
    pythonVersions: str(raw['python-versions']) ?? '*',
    ...(str(raw.category) !== undefined ? { category: str(raw.category)! } : {}),
    ...(groups ? { groups } : {}),
    ...(markers !== undefined ? { markers } : {}),
    files,
    ...(source ? { source } : {}),
    ...(raw.develop === true ? { develop: true } : {}),
    dependencies,
    extras,
  };
}
