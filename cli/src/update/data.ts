// Reading a generated data file (core/src/render.ts) back into plain values: format 3 is JSON; the legacy formats
// 1 and 2 were printed by core/src/nix/print.ts, so only that subset of Nix is accepted for them: attribute sets,
// lists, strings, integers, booleans, null, and the `throw "..."` an unpinned entry evaluated to.

import { Lock2nixError, urlBaseName } from '@lock2nix/core';

/** `throw "message"` read back from a data file. */
export interface NixThrowValue {
  throw: string;
}

export type NixValue = string | number | boolean | null | NixValue[] | NixThrowValue | { [key: string]: NixValue };

export function isThrow(v: NixValue | undefined): v is NixThrowValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { throw?: unknown }).throw === 'string' && THROWS.has(v);
}

// throw values are marked by identity so that an attribute set `{ throw = "..."; }` is never mistaken for one
const THROWS = new WeakSet<object>();

const SPECIAL = /["\\$]/g;
const IDENT = /[A-Za-z_][A-Za-z0-9_'-]*/y;
const NUMBER = /-?[0-9]+/y;

export class DataFileError extends Lock2nixError {
  override name = 'DataFileError';
}

/** Parse the Nix subset printed by printNix. Throws DataFileError naming the offset on anything else. */
export function parseNixData(text: string, file = 'data file'): NixValue {
  let i = 0;
  const fail = (why: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new DataFileError(`${file}:${line}: ${why}`);
  };
  const skip = () => {
    for (;;) {
      for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 9 || c === 13; c = text.charCodeAt(++i));
      if (text[i] === '#') {
        while (i < text.length && text[i] !== '\n') i++;
        continue;
      }
      return;
    }
  };
  const expect = (c: string) => {
    skip();
    if (text[i] !== c) fail(`expected ${JSON.stringify(c)}`);
    i++;
  };
  const str = (): string => {
    expect('"');
    let out = '';
    for (;;) {
      // copy the run up to the next quote, backslash or dollar in one piece
      SPECIAL.lastIndex = i;
      const m = SPECIAL.exec(text);
      if (!m) fail('unterminated string');
      out += text.slice(i, m!.index);
      i = m!.index;
      const c = text[i++]!;
      if (c === '"') return out;
      if (c === '\\') {
        const e = text[i++];
        out += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : (e ?? '');
      } else if (c === '$' && text[i] === '{') {
        fail('string interpolation is not data');
      } else out += c;
    }
  };
  const ident = (): string => {
    IDENT.lastIndex = i;
    const m = IDENT.exec(text);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const value = (): NixValue => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, NixValue> = {};
      for (;;) {
        skip();
        if (text[i] === '}') {
          i++;
          return o;
        }
        const k = text[i] === '"' ? str() : ident();
        expect('=');
        o[k] = value();
        expect(';');
      }
    }
    if (c === '[') {
      i++;
      const a: NixValue[] = [];
      for (;;) {
        skip();
        if (text[i] === ']') {
          i++;
          return a;
        }
        a.push(value());
      }
    }
    if (c === '(') {
      i++;
      const v = value();
      expect(')');
      return v;
    }
    if (c === '"') return str();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return fail('expected a number');
      i += m[0].length;
      return Number(m[0]);
    }
    const id = ident();
    if (id === 'true') return true;
    if (id === 'false') return false;
    if (id === 'null') return null;
    if (id === 'throw') {
      const t = { throw: str() };
      THROWS.add(t);
      return t;
    }
    return fail(`unexpected ${JSON.stringify(id)}`);
  };
  const v = value();
  skip();
  if (i !== text.length) fail('trailing text');
  return v;
}

/** One entry of `artifacts` in a data file. */
export interface DataEntry {
  key: string;
  name: string;
  version: string;
  source: Record<string, string>;
  fetch: Record<string, NixValue>;
  /** the SRI hash, or undefined for an entry that was not pinned (or needs no fetch) */
  hash?: string;
  cachePath: string;
  /** the entry's `meta` (empty when it has none) */
  meta: Record<string, NixValue>;
}

export interface DataFile {
  format: number;
  ecosystem: string;
  lockfile: { name: string; format: string; hash: string };
  entries: Map<string, DataEntry>;
}

const asRecord = (v: NixValue | undefined): Record<string, NixValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isThrow(v) ? (v as Record<string, NixValue>) : {};

/** fetchurl's default name: the URL's base name. */
const baseName = (url: NixValue | undefined): string | undefined => (typeof url === 'string' ? urlBaseName(url) : undefined);

/**
 * A format 2 or 3 entry's fetch in the format 1 shape (`type` inside, `urls`, `submodules`, `name` spelled out), so that
 * entries of both formats compare alike.
 */
function fetchV1(a: Record<string, NixValue>): Record<string, NixValue> {
  const type = typeof a.type === 'string' ? a.type : 'file';
  if (type === 'none') return { type, reason: a.reason ?? '' };
  const f = asRecord(a.fetch);
  if (type === 'git') {
    const { fetchSubmodules, ...rest } = f;
    return { type, ...rest, submodules: fetchSubmodules ?? true };
  }
  const { url, ...rest } = f;
  const urls = Array.isArray(f.urls) ? f.urls : url !== undefined ? [url] : [];
  const name = f.name ?? baseName(urls[0]);
  return { type, ...rest, urls, ...(name !== undefined ? { name } : {}) };
}

/** The same attributes in sorted order (as the data file prints them), so that JSON texts compare alike. */
function sortedRecord(r: Record<string, NixValue>): Record<string, NixValue> {
  const out: Record<string, NixValue> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/** A format 3 data file (JSON) parsed; DataFileError naming the line on bad JSON. */
function parseJsonData(text: string, file: string): NixValue {
  try {
    return JSON.parse(text) as NixValue;
  } catch (e) {
    const at = /position (\d+)/.exec(String((e as Error).message));
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    throw new DataFileError(`${file}${line !== undefined ? `:${line}` : ''}: not valid JSON (${(e as Error).message})`);
  }
}

/** JSON (format 3) begins with an object; a legacy Nix data file with its `#` header (or a set of bare names). */
function looksLikeJson(text: string): boolean {
  return /^\s*(\{\s*("|\})|\[)/.test(text);
}

/** JSON whitespace. */
const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Whether a JSON data file's text may have an entry that readDataFile gives a hash (a pinned one), told without
 * parsing it: `false` only when no object written as the value of a `"fetch"` name holds the text `"hash"`
 * anywhere (an entry's hash is its fetch's `hash`) and no name can be spelled with a \u escape. Conservative:
 * `true` whenever in doubt. An --offline run's earlier output that has no pinned entry lends nothing, and parsing
 * it (15,000 entries for a poetry.lock of 500 packages x 30 files) would cost more than the conversion's own data.
 */
export function mayHavePinnedEntries(text: string): boolean {
  if (text.includes('\\u')) return true;
  for (let at = text.indexOf('"fetch"'); at >= 0; at = text.indexOf('"fetch"', at + 1)) {
    let i = at + 7;
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3a /* : */) continue;
    i++;
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x7b /* { */) continue;
    // the object's extent: braces counted outside strings; a string is searched for "hash" as it is skipped
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x7b) depth++;
      else if (c === 0x7d /* } */) {
        if (--depth === 0) break;
      } else if (c === 0x22 /* " */) {
        const start = i;
        for (i++; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c /* \ */) i++;
          else if (d === 0x22) break;
        }
        if (i - start === 5 && text.startsWith('"hash"', start)) return true;
      }
    }
    if (i >= text.length) return true;
  }
  return false;
}

/** Whether a raw entry of `artifacts` gets a `hash` in readDataFile (a pinned entry), decided without building it. */
function rawPinned(a: Record<string, NixValue>, format: NixValue | undefined): boolean {
  if (format !== 1 && (typeof a.type === 'string' ? a.type : 'file') === 'none') return false;
  return typeof asRecord(a.fetch).hash === 'string';
}

/**
 * Read a generated data file (format 3 JSON, or a legacy format 1 or 2 Nix file) into entries keyed like `artifacts`.
 * `pinnedOnly`: only the entries with a hash (those an --offline run can take anything from); the others are not
 * built at all (a large offline output is mostly unpinned entries).
 */
export function readDataFile(text: string, file = 'data file', opts: { pinnedOnly?: boolean } = {}): DataFile {
  const json = looksLikeJson(text);
  const top = asRecord(json ? parseJsonData(text, file) : parseNixData(text, file));
  const format = top.format;
  if (json ? format !== 3 : format !== 1 && format !== 2) throw new DataFileError(`${file}: unsupported data format ${JSON.stringify(format)}`);
  const lf = asRecord(top.lockfile);
  const sources = asRecord(top.sources);
  const entries = new Map<string, DataEntry>();
  for (const [key, raw] of Object.entries(asRecord(top.artifacts))) {
    const a = asRecord(raw);
    if (opts.pinnedOnly && !rawPinned(a, format)) {
      // (the one check below that can fail the whole file, made for the skipped entry too)
      if (format !== 1 && typeof a.source === 'string' && !Object.hasOwn(sources, a.source)) throw new DataFileError(`${file}: ${key}: source ${JSON.stringify(a.source)} is not in sources`);
      continue;
    }
    const fetch = sortedRecord(format === 1 ? asRecord(a.fetch) : fetchV1(a));
    // a legacy unpinned entry's `hash = throw "..."`: no hash, as format 3 writes it (the message is `unpinned`)
    if (isThrow(fetch.hash)) delete fetch.hash;
    let rawSource: NixValue | undefined = a.source;
    if (format !== 1) {
      if (rawSource === undefined) {
        const url = Array.isArray(fetch.urls) ? fetch.urls[0] : fetch.url;
        rawSource = { kind: 'registry', ...(typeof url === 'string' ? { url } : {}) };
      } else if (typeof rawSource === 'string') {
        if (!Object.hasOwn(sources, rawSource)) throw new DataFileError(`${file}: ${key}: source ${JSON.stringify(rawSource)} is not in sources`);
        rawSource = sources[rawSource];
      }
    }
    const source: Record<string, string> = {};
    for (const [k, v] of Object.entries(asRecord(rawSource))) if (typeof v === 'string') source[k] = v;
    entries.set(key, {
      key,
      name: String(a.name ?? key),
      version: String(a.version ?? ''),
      source,
      fetch,
      ...(typeof fetch.hash === 'string' ? { hash: fetch.hash } : {}),
      cachePath: String(a.cachePath ?? (format !== 1 ? key : '')),
      meta: asRecord(a.meta),
    });
  }
  return {
    format: format as number,
    ecosystem: String(top.ecosystem ?? ''),
    lockfile: { name: String(lf.name ?? ''), format: String(lf.format ?? ''), hash: String(lf.hash ?? '') },
    entries,
  };
}

/**
 * The identity of a download: two entries with the same identity fetch the same bytes and have the same hash.
 * `undefined` for entries without a download.
 */
export function fetchIdentity(fetch: Record<string, NixValue> | { type: string; [k: string]: unknown }): string | undefined {
  const f = fetch as Record<string, unknown>;
  switch (f.type) {
    case 'file':
    case 'archive':
      return JSON.stringify([f.type, f.urls, f.name]);
    case 'git':
      return JSON.stringify(['git', f.url, f.rev, f.submodules, f.name]);
    default:
      return undefined;
  }
}
