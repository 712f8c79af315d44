// Is poetry.lock fresh? Poetry stores in metadata.content-hash the sha256 of the dependency-relevant parts
// of pyproject.toml, serialised the way Python's json.dumps(..., sort_keys=True) writes them. lock2nix
// recomputes it (with and without [dependency-groups], which Poetry added to the input in 2.3) and warns
// when neither matches: the lock was made from a different pyproject.toml.

import { createHash } from 'node:crypto';
import type { TomlTable } from '@lock2nix/core';

const PROJECT_KEYS = ['requires-python', 'dependencies', 'optional-dependencies'];
const LEGACY_KEYS = ['dependencies', 'source', 'extras', 'dev-dependencies'];
const POETRY_KEYS = [...LEGACY_KEYS, 'group'];

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Python's json.dumps(value, sort_keys=True) with its default separators and ensure_ascii. */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Object.is(v, -0)) return String(v);
    const s = String(v);
    return /[.eE]/.test(s) || !Number.isFinite(v) ? s.replace('Infinity', 'Infinity') : `${s}.0`;
  }
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(', ')}]`;
  if (v instanceof Date) return pyString(v.toISOString());
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${pyString(k)}: ${pyJsonDumps(o[k])}`).join(', ')}}`;
}

function relevant(doc: TomlTable, withGroups: boolean): unknown {
  const project = isTable(doc.project) ? doc.project : {};
  const groups = withGroups && isTable(doc['dependency-groups']) ? doc['dependency-groups'] : {};
  const tool = isTable(doc.tool) ? doc.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : {};
  const projectPart: Record<string, unknown> = {};
  for (const k of PROJECT_KEYS) if (project[k] !== undefined) projectPart[k] = project[k];
  const hasProject = Object.keys(projectPart).length > 0;
  const hasGroups = Object.keys(groups).length > 0;
  const poetryPart: Record<string, unknown> = {};
  for (const k of POETRY_KEYS) {
    const data = poetry[k];
    if (data === undefined && (!LEGACY_KEYS.includes(k) || hasProject || hasGroups)) continue;
    poetryPart[k] = data ?? null;
  }
  if (!hasProject && !hasGroups) return poetryPart;
  return { ...(hasProject ? { project: projectPart } : {}), ...(hasGroups ? { 'dependency-groups': groups } : {}), tool: { poetry: poetryPart } };
}

/** The content hashes Poetry versions would compute for this pyproject.toml (current first). */
export function contentHashes(doc: TomlTable): string[] {
  const out = [true, false].map((g) => createHash('sha256').update(pyJsonDumps(relevant(doc, g))).digest('hex'));
  return [...new Set(out)];
}
