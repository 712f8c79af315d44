// Printing data as JSON for Nix's `builtins.fromJSON` (the data file, format 3). The layout is that of
// `JSON.stringify(value, null, 2)` with every object's keys sorted by code point and undefined values left out,
// so the same data gives byte-identical text. Strings Nix cannot hold are refused (see `checkEncodable`): a NUL
// would cut the string short in Nix, a lone surrogate makes fromJSON fail.
//
// Written in small pieces into a buffer (printing.ts `Out`), not by one JSON.stringify of the whole: the data
// file of a large lockfile is tens of MB.

import { Lock2nixError } from './errors.ts';
import { NixExpr, type NixData } from './model.ts';
import { checkEncodable, isAttrs, mapNames, Out, sortNames, type Attrs } from './printing.ts';

/** What JSON.stringify escapes in a string (`"`, backslash, control characters; lone surrogates are refused). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** A JSON string literal for `s`, refusing what Nix cannot read back as the same string. */
export function jsonString(s: string): string {
  checkEncodable(s);
  return JSON.stringify(s);
}

/** `jsonString(s)` added to `out`: a string with nothing to escape goes in as it is, between quote pieces. */
function addString(s: string, out: Out): void {
  checkEncodable(s);
  if (NEEDS_ESCAPE.test(s)) return out.add(JSON.stringify(s));
  out.add('"');
  out.add(s);
  out.add('"');
}

function addValue(value: NixData, depth: number, out: Out): void {
  if (!isAttrs(value)) return addMapped(value, depth, out);
  const keys = Object.keys(value);
  const copy = out.map ? mapNames(value, keys, out.map) : undefined;
  if (copy === undefined) addObject(value, keys, depth, out);
  else addMapped(copy, depth, out);
}

function addMapped(value: NixData, depth: number, out: Out): void {
  if (value instanceof NixExpr) throw new Lock2nixError(`a Nix expression cannot be written as JSON: ${value.code.slice(0, 80)}`);
  if (value === null) return out.add('null');
  switch (typeof value) {
    case 'string': return addString(out.map ? out.map(value) : value, out);
    case 'boolean': return out.add(value ? 'true' : 'false');
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Lock2nixError(`cannot write ${value} as an integer`);
      return out.add(String(value));
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return out.add('[]');
    const inner = out.indent(depth + 1);
    out.add('[\n');
    for (let i = 0; i < value.length; i++) {
      out.add(inner);
      const v = value[i];
      // a hole (or undefined) is null, as JSON.stringify writes it
      if (v === undefined) out.add('null');
      else addValue(v, depth + 1, out);
      out.add(i + 1 < value.length ? ',\n' : '\n');
    }
    out.add(out.indent(depth));
    return out.add(']');
  }
  addObject(value, Object.keys(value), depth, out);
}

/** An object; `keys` is Object.keys(o) (a fresh array, sorted in place unless `ordered`). */
function addObject(o: Attrs, keys: string[], depth: number, out: Out, ordered = false): void {
  if (!ordered) sortNames(keys);
  let n = 0;
  for (let i = 0; i < keys.length; i++) if (o[keys[i]!] !== undefined) keys[n++] = keys[i]!;
  if (n === 0) return out.add('{}');
  const inner = out.indent(depth + 1);
  out.add('{\n');
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    out.add(inner);
    addString(k, out);
    out.add(': ');
    addValue(o[k]!, depth + 1, out);
    out.add(i + 1 < n ? ',\n' : '\n');
  }
  out.add(out.indent(depth));
  out.add('}');
}

export interface JsonOptions {
  /** applied to every string and object key inside the values (as `printNixMapped` does) */
  map?: (s: string) => string;
  /**
   * The top-level object's keys in this order (every nested object's keys are sorted); keys of `value` not
   * listed follow, sorted. The top-level keys themselves are not mapped.
   */
  order?: readonly string[];
}

/** `value` as JSON text: two-space indented, keys sorted, undefined values left out, a trailing newline. */
export function printJson(value: NixData, opts: JsonOptions = {}): string {
  return printJsonTo(value, opts).text();
}

/**
 * `printJson` as pieces whose concatenation is its text: a large data file can be written out piece by piece
 * without ever being one string (as large as the file) beside the pieces.
 */
export function printJsonPieces(value: NixData, opts: JsonOptions = {}): string[] {
  return printJsonTo(value, opts).pieces();
}

function printJsonTo(value: NixData, opts: JsonOptions): Out {
  const out = new Out('', opts.map);
  if (opts.order !== undefined && isAttrs(value)) {
    const listed = new Set(opts.order);
    const rest = Object.keys(value).filter((k) => !listed.has(k));
    sortNames(rest);
    addObject(value, [...opts.order.filter((k) => Object.hasOwn(value, k)), ...rest], 0, out, true);
  } else {
    addValue(value, 0, out);
  }
  out.add('\n');
  return out;
}
