// Printing data as Nix. Every string is escaped so that it evaluates back to exactly itself; attribute
// sets are printed with sorted keys; the layout is fixed, so the same data gives byte-identical text.
//
// The printer appends small pieces to a buffer (`Out`) instead of building nested strings: the generated
// data file can be tens of MB, and nested template strings made most of that again as garbage.

import { Lock2nixError } from '../errors.ts';
import { NixExpr, type NixData } from '../model.ts';
import { checkEncodable, isAttrs, mapNames, Out, sortNames, type Attrs } from '../printing.ts';

export { sortedKeys } from '../printing.ts';

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
/** a string without these characters is printed between quotes as it is */
const NEEDS_ESCAPE = /[\\"\n\r\t$]/;

/** The escaped body of a string literal, without the quotes (`s` has something to escape). */
function escapeBody(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '$': out += s[i + 1] === '{' ? '\\$' : '$'; break;
      default: out += c;
    }
  }
  return out;
}

/** A double-quoted Nix string literal that evaluates to exactly `s`. */
export function nixString(s: string): string {
  checkEncodable(s);
  return `"${NEEDS_ESCAPE.test(s) ? escapeBody(s) : s}"`;
}

function isBareName(name: string): boolean {
  return IDENT.test(name) && !KEYWORDS.has(name);
}

/** An attribute name: bare when it is a plain identifier, quoted otherwise. */
export function nixAttrName(name: string): string {
  return isBareName(name) ? name : nixString(name);
}

/** `throw "<message>"`: what an entry that could not be pinned evaluates to. */
export function nixThrow(message: string): NixExpr {
  return new NixExpr(`throw ${nixString(message)}`);
}

function addString(s: string, out: Out): void {
  checkEncodable(s);
  if (NEEDS_ESCAPE.test(s)) s = escapeBody(s);
  out.add('"');
  out.add(s);
  out.add('"');
}

/** A value; an attribute set's names go through `out.map` first (see `mapNames`). */
function addValue(value: NixData, depth: number, out: Out): void {
  if (!isAttrs(value)) return addMapped(value, depth, out);
  const keys = Object.keys(value);
  const copy = out.map ? mapNames(value, keys, out.map) : undefined;
  // a copy may have got a prototype from a `__proto__` name (even a NixExpr): printed as the copy would be
  if (copy === undefined) addAttrs(value, keys, depth, out);
  else addMapped(copy, depth, out);
}

/** A value that is not an attribute set (or one whose names have been through `mapNames`). */
function addMapped(value: NixData, depth: number, out: Out): void {
  if (value instanceof NixExpr) return out.add(value.code);
  if (value === null) return out.add('null');
  switch (typeof value) {
    case 'string': return addString(out.map ? out.map(value) : value, out);
    case 'boolean': return out.add(value ? 'true' : 'false');
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Lock2nixError(`cannot print ${value} as a Nix integer`);
      return out.add(value < 0 ? `(${value})` : String(value));
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return out.add('[ ]');
    const inner = out.indent(depth + 1);
    out.add('[\n');
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue; // a hole prints nothing, as Array.prototype.map and join did
      const v = value[i]!;
      out.add(inner);
      // list items are juxtaposed in Nix, so an application such as `throw "x"` needs parentheses there
      if (v instanceof NixExpr) {
        out.add('(');
        out.add(v.code);
        out.add(')');
      } else {
        addValue(v, depth + 1, out);
      }
      out.add('\n');
    }
    out.add(out.indent(depth));
    return out.add(']');
  }
  addAttrs(value, Object.keys(value), depth, out);
}

/** An attribute set; `keys` is Object.keys(o), a fresh array that is sorted in place. */
function addAttrs(o: Attrs, keys: string[], depth: number, out: Out): void {
  sortNames(keys);
  let n = 0;
  for (let i = 0; i < keys.length; i++) if (o[keys[i]!] !== undefined) keys[n++] = keys[i]!;
  if (n === 0) {
    out.add('{ }');
    return;
  }
  const inner = out.indent(depth + 1);
  out.add('{\n');
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    out.add(inner);
    if (isBareName(k)) out.add(k);
    else addString(k, out);
    out.add(' = ');
    addValue(o[k]!, depth + 1, out);
    out.add(';\n');
  }
  out.add(out.indent(depth));
  out.add('}');
}

function print(value: NixData, indent: string, map: ((s: string) => string) | undefined, prefix: string, suffix: string): string {
  const out = new Out(indent, map);
  out.add(prefix);
  addValue(value, 0, out);
  out.add(suffix);
  return out.text();
}

/** Print data as a Nix expression, two-space indented, keys sorted, undefined attributes left out. */
export function printNix(value: NixData, indent = ''): string {
  return print(value, indent, undefined, '', '');
}

/**
 * `prefix + printNix(value) + suffix`, with every string and attribute name in `value` first passed through
 * `map`: the same text as printing a deep copy made with `map` (as `stripCredentialsDeep` makes), without
 * making the copy.
 */
export function printNixMapped(value: NixData, map: (s: string) => string, prefix = '', suffix = ''): string {
  return print(value, '', map, prefix, suffix);
}
