// A small .netrc reader (no maintained parser library exists on npm: the known ones are unmaintained).
// Grammar as curl reads it: whitespace-separated tokens; `machine NAME`, `default`, `login`, `password`,
// `account`, `port` take the next token; `macdef NAME` swallows lines up to an empty line; `#` starts a
// comment at the beginning of a token; a token may be double-quoted with \" and \\ escapes.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface NetrcEntry {
  /** undefined for the `default` entry */
  machine: string | undefined;
  login?: string;
  password?: string;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++;
        s += text[i];
        i++;
      }
      i++; // closing quote
      tokens.push(s);
      continue;
    }
    const start = i;
    while (i < n && !/\s/.test(text[i]!)) i++;
    const tok = text.slice(start, i);
    if (tok === 'macdef') {
      // macro definition: skip its name and body up to an empty line
      tokens.push(tok);
      const end = text.indexOf('\n\n', i);
      i = end === -1 ? n : end + 2;
      continue;
    }
    tokens.push(tok);
  }
  return tokens;
}

export function parseNetrc(text: string): NetrcEntry[] {
  const tokens = tokenize(text);
  const entries: NetrcEntry[] = [];
  let cur: NetrcEntry | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t) {
      case 'machine':
        cur = { machine: (tokens[++i] ?? '').toLowerCase() };
        entries.push(cur);
        break;
      case 'default':
        cur = { machine: undefined };
        entries.push(cur);
        break;
      case 'login':
        if (cur) cur.login = tokens[i + 1] ?? '';
        i++;
        break;
      case 'password':
        if (cur) cur.password = tokens[i + 1] ?? '';
        i++;
        break;
      case 'account':
      case 'port':
        i++;
        break;
      case 'macdef':
        cur = undefined;
        break;
      default:
        break; // unknown token: ignore, as curl does
    }
  }
  return entries;
}

/** The entry for a host: the first `machine` that matches, else `default`. */
export function netrcLookup(entries: NetrcEntry[], host: string): NetrcEntry | undefined {
  const h = host.toLowerCase();
  return entries.find((e) => e.machine === h) ?? entries.find((e) => e.machine === undefined);
}

export function defaultNetrcPath(env: Record<string, string | undefined> = process.env): string {
  return env.NETRC || join(homedir(), '.netrc');
}

/** Read and parse a .netrc; a missing file is no credentials. */
export async function loadNetrc(path: string): Promise<NetrcEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseNetrc(text);
}
