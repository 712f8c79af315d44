// Parsing a Berry (Yarn 2+) yarn.lock with @yarnpkg/parsers (Yarn's own syml reader), plus the line of
// every entry for messages.

import { LockfileError } from '@lock2nix/core';
import { parseSyml } from './parsers.ts';
import type { BerryEntry, BerryLock } from './schema.ts';

/** The newest __metadata.version lock2nix has seen Yarn write (Yarn 2: 4, Yarn 3: 6, Yarn 4: 8, 4.18: 10). */
export const NEWEST_KNOWN_VERSION = 10;

function splitDescriptors(key: string): string[] {
  return key.split(/\s*,\s*/).map((s) => s.trim()).filter((s) => s !== '');
}

/** The 1-based line of every top-level key: one opening a block (`key:`) or holding a value (`key: value`). */
function keyLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, '');
    if (l === '' || /^[\s#]/.test(l)) continue;
    const key = topLevelKey(l);
    if (key !== undefined) out.set(key, i + 1);
  }
  return out;
}

/**
 * The key a top-level line starts with: a quoted one (JSON escapes) or plain text, up to `: ` or a final `:`; or,
 * after YAML's explicit-key marker `? `, the rest of the line.
 */
function topLevelKey(l: string): string | undefined {
  const explicit = l.startsWith('? ');
  const s = explicit ? l.slice(2).trim() : l;
  if (s.startsWith('"')) {
    const q = /^"(?:[^"\\]|\\.)*"/.exec(s);
    if (!q || (!explicit && !/^\s*:/.test(s.slice(q[0].length)))) return undefined;
    try {
      return JSON.parse(q[0]) as string;
    } catch {
      return q[0].slice(1, -1);
    }
  }
  return explicit ? s : /^(.*?)\s*:(?:\s|$)/.exec(s)?.[1];
}

export function parseBerry(file: string, text: string): BerryLock {
  let data: unknown;
  try {
    data = parseSyml(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /\((\d+):\d+\)/.exec(msg);
    throw new LockfileError(file, m ? Number(m[1]) : undefined, `not a valid Berry yarn.lock: ${msg.split('\n')[0]}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new LockfileError(file, 1, 'not a valid Berry yarn.lock: the top level is not a map');
  const lines = keyLines(text);
  const top = data as Record<string, unknown>;
  const meta = top.__metadata;
  if (typeof meta !== 'object' || meta === null) throw new LockfileError(file, lines.get('__metadata'), 'no `__metadata` map');
  const m = meta as Record<string, unknown>;
  const version = Number(m.version);
  if (!Number.isInteger(version)) throw new LockfileError(file, lines.get('__metadata'), `__metadata.version ${JSON.stringify(m.version)} is not a number`);
  if (version < 4) throw new LockfileError(file, lines.get('__metadata'), `__metadata.version ${version} is older than any Yarn 2+ lockfile`);
  const cacheKey = m.cacheKey === undefined ? '' : String(m.cacheKey);
  const entries: BerryEntry[] = [];
  for (const [key, value] of Object.entries(top)) {
    if (key === '__metadata') continue;
    // undefined only for a key written in a way keyLines does not read (the message then names no line)
    const line = lines.get(key);
    if (typeof value !== 'object' || value === null) throw new LockfileError(file, line, `entry ${JSON.stringify(key)} is not a map`);
    const v = value as Record<string, unknown>;
    const s = (f: string): string | undefined => {
      const x = v[f];
      if (x === undefined || x === null) return undefined;
      if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return String(x);
      throw new LockfileError(file, line, `\`${f}\` of ${JSON.stringify(key)} must be a string`);
    };
    const resolution = s('resolution');
    if (resolution === undefined) throw new LockfileError(file, line, `entry ${JSON.stringify(key)} has no \`resolution\``);
    const e: BerryEntry = { descriptors: splitDescriptors(key), resolution };
    if (line !== undefined) e.line = line;
    const version = s('version');
    if (version !== undefined) e.version = version;
    const checksum = s('checksum');
    if (checksum !== undefined) e.checksum = checksum;
    const conditions = s('conditions');
    if (conditions !== undefined) e.conditions = conditions;
    const languageName = s('languageName');
    if (languageName !== undefined) e.languageName = languageName;
    const linkType = s('linkType');
    if (linkType !== undefined) e.linkType = linkType;
    entries.push(e);
  }
  entries.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.resolution < b.resolution ? -1 : 1));
  return { kind: 'berry', version, cacheKey, entries };
}
