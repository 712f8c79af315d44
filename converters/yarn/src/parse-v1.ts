// Parsing a classic (v1) yarn.lock with @yarnpkg/lockfile (a port of Yarn 1's own grammar), plus the line of
// every block so that messages can point at it.

import { LockfileError, lineAt } from '@lock2nix/core';
import type { LockValue } from '@yarnpkg/lockfile';
import { classicParser } from './parsers.ts';
import type { V1Entry, V1Lock } from './schema.ts';

/**
 * The patterns written on one top-level key line: `"a@^1", a@~1.2:`. Each pattern is cut out of the line in
 * runs between quotes, escapes and commas (not built character by character).
 */
export function splitKeyLine(line: string): string[] {
  const body = line.replace(/:\s*$/, '');
  const out: string[] = [];
  let cur = '';
  let from = 0; // start of the run not yet added to `cur`
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c /* \\ */ && i + 1 < body.length) {
        // the escaped character starts the next run
        cur += body.slice(from, i);
        from = ++i;
      } else if (c === 0x22 /* " */) {
        cur += body.slice(from, i);
        from = i + 1;
        quoted = false;
      }
    } else if (c === 0x22) {
      cur += body.slice(from, i);
      from = i + 1;
      quoted = true;
    } else if (c === 0x2c /* , */) {
      cur += body.slice(from, i);
      from = i + 1;
      out.push(cur.trim());
      cur = '';
    }
  }
  cur += body.slice(from);
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

interface KeyLine {
  line: number;
  offset: number;
  patterns: string[];
}

/**
 * One pass over the text, line by line (lines end at '\n'), without splitting it:
 * - Yarn 1 writes every string on one line. @yarnpkg/lockfile's tokenizer, given a string (or a comment) that
 *   never ends, spins for many seconds and gigabytes before failing; so an unterminated string is refused
 *   here first, at its line.
 * - It returns the 1-based line, offset and patterns of every top-level key line: a line (without its '\r')
 *   that is not empty, does not begin with whitespace or '#', and ends with ':' (trailing whitespace aside).
 *   Only such lines are cut out of the text.
 */
function scanLines(file: string, text: string): KeyLine[] {
  const found: KeyLine[] = [];
  const n = text.length;
  let line = 1;
  let start = 0;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    // an unterminated string on this line?
    let inString = false;
    for (let j = start; j < end; j++) {
      const c = text.charCodeAt(j);
      if (inString) {
        if (c === 0x5c /* \\ */) j++;
        else if (c === 0x22 /* " */) inString = false;
      } else if (c === 0x23 /* # */) {
        break;
      } else if (c === 0x22) {
        inString = true;
      }
    }
    if (inString) throw new LockfileError(file, line, 'not a valid yarn.lock v1: a string is not closed on its line');
    // a key line? (the first character rules out indented lines, comments and blank ones cheaply)
    if (end > start) {
      const c = text.charCodeAt(start);
      const plain = c > 0x20 && c < 0x7f ? c !== 0x23 : c !== 0x0d && !/^[\s#]/.test(text[start]!);
      if (plain) {
        const l = text.slice(start, text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
        if (l !== '' && l.trimEnd().endsWith(':')) found.push({ line, offset: start, patterns: splitKeyLine(l) });
      }
    }
    line++;
    start = end + 1;
  }
  return found;
}

/**
 * `integrity` values as Yarn 1 writes them, without quotes: a line of spaces, `integrity `, then a value the
 * tokenizer reads as one identifier (it begins with a letter but not with `true`/`false`, which are read as
 * booleans, and has only characters that neither end an identifier nor need escaping), then the line's end.
 */
const UNQUOTED_INTEGRITY = /(?<=^|\n)( +integrity )(?!true|false)([A-Za-z][A-Za-z0-9+/=-]*)(?=\r?\n)/g;

/**
 * The text given to @yarnpkg/lockfile: `text` with its unquoted `integrity` values put between quotes. The
 * tokenizer builds an unquoted value one character at a time into a string it keeps as it is (a chain of about
 * 90 pieces per entry: tens of MB for a large lockfile, all kept until the value is read); a quoted one it reads
 * into one flat string. Both are one string token of the same value, so the parse is the same. Only done for
 * a text without backslashes: then no string runs on past its line (each line's quotes were found balanced),
 * so every line begins between tokens and the value is a token of its own.
 */
export function quoteIntegrity(text: string): string {
  return text.includes('\\') ? text : text.replace(UNQUOTED_INTEGRITY, '$1"$2"');
}

function tryParse(text: string, file: string): { ok: true; result: ReturnType<ReturnType<typeof classicParser>['parse']> } | { ok: false; message: string } {
  try {
    return { ok: true, result: classicParser().parse(text, file) };
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
  // (the parser's maps have no prototype: for-in sees exactly the own keys, in Object.keys order)
  let allStrings = true;
  for (const k in v) {
    if (typeof v[k] !== 'string') {
      allStrings = false;
      break;
    }
  }
  // the parser's own map when it holds only strings (the usual case): a copy would be the same map
  if (allStrings) return v as Record<string, string>;
  const out: Record<string, string> = {};
  // the field name for a message is only made when a value is not a string
  for (const k in v) {
    const x = v[k];
    out[k] = typeof x === 'string' ? x : (str(file, line, `${field}.${k}`, x) ?? '');
  }
  return out;
}

export function isV1(text: string): boolean {
  return /^# yarn lockfile v1\s*$/m.test(text) || !/^__metadata:/m.test(text);
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
  const keys = scanLines(file, text);
  const quoted = quoteIntegrity(text);
  let parsed = tryParse(quoted, file);
  // a failure is told (message, line) from the text as written
  if (!parsed.ok && quoted !== text) parsed = tryParse(text, file);
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
  const object = parsed.result.object;
  // (the parser's maps have no prototype: for-in sees exactly the own keys, in Object.keys order)
  for (const pattern in object) {
    const value = object[pattern];
    if (typeof value !== 'object' || value === null) throw new LockfileError(file, lineOfKey(pattern), `entry ${JSON.stringify(pattern)} is not a block`);
    const g = groups.get(value);
    if (g) g.push(pattern);
    else groups.set(value, [pattern]);
  }
  const entries: V1Entry[] = [];
  for (const [value, patterns] of groups) {
    const v = value as Record<string, LockValue>;
    let line = Number.MAX_SAFE_INTEGER;
    for (const p of patterns) line = Math.min(line, lineOf.get(p) ?? Number.MAX_SAFE_INTEGER);
    const ln = line === Number.MAX_SAFE_INTEGER ? lineOfKey(patterns[0]!) : line;
    const e: V1Entry = { patterns: patterns.length === 1 ? patterns : [...patterns].sort(), line: ln };
    const version = str(file, ln, 'version', v.version);
    if (version !== undefined) e.version = version;
    const resolved = str(file, ln, 'resolved', v.resolved);
    if (resolved !== undefined) e.resolved = resolved;
    const integrity = str(file, ln, 'integrity', v.integrity);
    if (integrity !== undefined) e.integrity = integrity;
    const uid = str(file, ln, 'uid', v.uid);
    if (uid !== undefined) e.uid = uid;
    const name = str(file, ln, 'name', v.name);
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
