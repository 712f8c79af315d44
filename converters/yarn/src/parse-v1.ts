// Parsing a classic (v1) yarn.lock with @yarnpkg/lockfile (a port of Yarn 1's own grammar), plus the line of
// every block so that messages can point at it.

import { LockfileError, lineAt } from '@lock2nix/core';
import { createRequire } from 'node:module';
import type * as LockfileLib from '@yarnpkg/lockfile';
import type { LockValue } from '@yarnpkg/lockfile';
import type { V1Entry, V1Lock } from './schema.ts';

// a CommonJS package: loaded through require so that Node and vitest see the same module
const lockfile = createRequire(import.meta.url)('@yarnpkg/lockfile') as typeof LockfileLib;

/** The patterns written on one top-level key line: `"a@^1", a@~1.2:` */
export function splitKeyLine(line: string): string[] {
  const body = line.replace(/:\s*$/, '');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < body.length) cur += body[++i]!;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** 1-based line of every top-level key line, with its patterns (`lines`: the text split at '\n'). */
function keyLines(lines: string[]): { line: number; offset: number; patterns: string[] }[] {
  const found: { line: number; offset: number; patterns: string[] }[] = [];
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, '');
    if (l !== '' && !/^[\s#]/.test(l) && l.trimEnd().endsWith(':')) found.push({ line: i + 1, offset, patterns: splitKeyLine(l) });
    offset += lines[i]!.length + 1;
  }
  return found;
}

function tryParse(text: string, file: string): { ok: true; result: ReturnType<typeof lockfile.parse> } | { ok: false; message: string } {
  try {
    return { ok: true, result: lockfile.parse(text, file) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/**
 * The first line whose text makes the parser fail: a binary search over block boundaries finds the block, then
 * one over the block's lines (a block cut short after any line still parses, the grammar being line-based).
 */
function failingLine(text: string, file: string, keys: { line: number; offset: number }[]): number | undefined {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const prefixOk = (lines: number) => tryParse(text.slice(0, lineStarts[Math.min(lines, lineStarts.length - 1)]!), file).ok;
  // first line of the failing block, and the line before the next block
  let from = 1;
  let to = lineStarts.length - 1;
  if (keys.length > 0 && prefixOk(keys[0]!.line - 1)) {
    let lo = 0; // blocks [0, lo) parse fine
    let hi = keys.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (prefixOk(keys[mid]!.line - 1)) lo = mid;
      else hi = mid;
    }
    from = keys[lo]!.line;
    to = hi < keys.length ? keys[hi]!.line - 1 : to;
  } else if (keys.length > 0) {
    to = keys[0]!.line - 1;
  }
  // the smallest L in [from, to] such that lines 1..L fail
  let lo = from - 1; // lines 1..lo parse
  let hi = to;
  if (prefixOk(hi)) return from;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (prefixOk(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

function str(file: string, line: number, field: string, v: LockValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new LockfileError(file, line, `\`${field}\` must be a string`);
}

function deps(file: string, line: number, field: string, v: LockValue | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object') throw new LockfileError(file, line, `\`${field}\` must be a map`);
  const out: Record<string, string> = {};
  // the field name for a message is only made when a value is not a string
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : (str(file, line, `${field}.${k}`, x) ?? '');
  return out;
}

export function isV1(text: string): boolean {
  return /^# yarn lockfile v1\s*$/m.test(text) || !/^__metadata:/m.test(text);
}

/**
 * Yarn 1 writes every string on one line. @yarnpkg/lockfile's tokenizer, given a string (or a comment) that
 * never ends, spins for many seconds and gigabytes before failing; so an unterminated string is refused
 * here first, at its line, and the text is given a final newline.
 */
function checkStrings(file: string, lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    let inString = false;
    for (let j = 0; j < l.length; j++) {
      const c = l[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '#') {
        break;
      } else if (c === '"') {
        inString = true;
      }
    }
    if (inString) throw new LockfileError(file, i + 1, 'not a valid yarn.lock v1: a string is not closed on its line');
  }
}

/**
 * The line that declares a top-level key of a text that parses: the smallest number of leading lines whose
 * parse already has the key (for keys the key-line scan does not see, such as a stray word before the first
 * entry, which the grammar reads as a key with a string value).
 */
function declaringLine(text: string, file: string, key: string): number {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const has = (lines: number) => {
    const r = tryParse(text.slice(0, lineStarts[lines]), file);
    return r.ok && Object.prototype.hasOwnProperty.call(r.result.object, key);
  };
  let lo = 0; // the first lo lines do not have it
  let hi = lineStarts.length - 1; // the first hi lines (the whole text: it ends with a newline) do
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (has(mid)) hi = mid;
    else lo = mid;
  }
  return Math.max(hi, 1);
}

export function parseV1(file: string, raw: string): V1Lock {
  const berry = /^"?__metadata"?:/m.exec(raw);
  if (berry) throw new LockfileError(file, lineAt(raw, berry.index), 'this is a Berry lockfile, not a classic one');
  const text = raw.endsWith('\n') ? raw : `${raw}\n`;
  // one split serves both: `text` has the lines of `raw`, and an empty last one when the newline was supplied
  const lines = text.split('\n');
  checkStrings(file, lines);
  const keys = keyLines(lines);
  const parsed = tryParse(text, file);
  if (!parsed.ok) {
    // the library's own line numbers skip blank lines, so the place is found by parsing prefixes instead
    const reason = parsed.message.replace(/ \d+:\d+ in .*$/s, '').replace(/^Unknown token: \{[^}]*\}/, 'unexpected token');
    throw new LockfileError(file, failingLine(text, file, keys), `not a valid yarn.lock v1: ${reason}`);
  }
  if (parsed.result.type === 'conflict') {
    // @yarnpkg/lockfile calls it a conflict when the text holds the three markers anywhere
    const at = /^<{7}/m.exec(text)?.index ?? Math.max(0, text.indexOf('<<<<<<<'));
    throw new LockfileError(file, lineAt(text, at), 'unresolved merge conflict; run `yarn install` to fix the lockfile first');
  }
  const lineOf = new Map<string, number>();
  for (const k of keys) for (const p of k.patterns) if (!lineOf.has(p)) lineOf.set(p, k.line);
  const lineOfKey = (pattern: string): number => {
    let l = lineOf.get(pattern);
    if (l === undefined) lineOf.set(pattern, (l = declaringLine(text, file, pattern)));
    return l;
  };
  const groups = new Map<object, string[]>();
  for (const [pattern, value] of Object.entries(parsed.result.object)) {
    if (typeof value !== 'object' || value === null) throw new LockfileError(file, lineOfKey(pattern), `entry ${JSON.stringify(pattern)} is not a block`);
    const g = groups.get(value);
    if (g) g.push(pattern);
    else groups.set(value, [pattern]);
  }
  const entries: V1Entry[] = [];
  for (const [value, patterns] of groups) {
    const v = value as Record<string, LockValue>;
    const line = Math.min(...patterns.map((p) => lineOf.get(p) ?? Number.MAX_SAFE_INTEGER));
    const ln = line === Number.MAX_SAFE_INTEGER ? lineOfKey(patterns[0]!) : line;
    const e: V1Entry = { patterns: [...patterns].sort(), line: ln };
    const s = (f: string) => str(file, ln, f, v[f]);
    const version = s('version');
    if (version !== undefined) e.version = version;
    const resolved = s('resolved');
    if (resolved !== undefined) e.resolved = resolved;
    const integrity = s('integrity');
    if (integrity !== undefined) e.integrity = integrity;
    const uid = s('uid');
    if (uid !== undefined) e.uid = uid;
    const name = s('name');
    if (name !== undefined) e.name = name;
    const d = deps(file, ln, 'dependencies', v.dependencies);
    if (d) e.dependencies = d;
    const od = deps(file, ln, 'optionalDependencies', v.optionalDependencies);
    if (od) e.optionalDependencies = od;
    if (e.version === undefined) throw new LockfileError(file, ln, `entry ${JSON.stringify(patterns[0])} has no version`);
    entries.push(e);
  }
  entries.sort((a, b) => a.line - b.line || (a.patterns[0]! < b.patterns[0]! ? -1 : 1));
  return { kind: 'v1', entries };
}
