// Printing data as Nix. Every string is escaped so that it evaluates back to exactly itself; attribute
// sets are printed with sorted keys; the layout is fixed, so the same data gives byte-identical text.
//
// The printer appends small pieces to a buffer (`Out`) instead of building nested strings: the generated
// data file can be tens of MB, and nested template strings made most of that again as garbage.

import { Lock2nixError } from '../errors.ts';
import { NixExpr, type NixData } from '../model.ts';

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
/** a string without these characters is printed between quotes as it is */
const NEEDS_ESCAPE = /[\\"\n\r\t$]/;

/** Refuse what a Nix string cannot hold: NUL bytes and lone UTF-16 surrogates (not encodable as UTF-8). */
function checkEncodable(s: string): void {
  if (s.includes('\0')) throw new Lock2nixError(`cannot put a NUL character into Nix: ${JSON.stringify(s.slice(0, 80))}`);
  if (!s.isWellFormed()) throw new Lock2nixError(`cannot put a lone UTF-16 surrogate into Nix: ${JSON.stringify(s.slice(0, 80))}`);
}

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

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sort keys by code point (stable across locales and runtimes). */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort(byCodePoint);
}

const BATCH = 8192;

/**
 * The text being printed: pieces are joined in batches, so that neither many small strings nor one huge array
 * stay alive. The batch is one array, filled again after each join (growing a fresh one made most of the
 * printer's garbage).
 */
class Out {
  private readonly batch: string[] = new Array<string>(BATCH).fill('');
  private n = 0;
  private readonly done: string[] = [];
  private readonly indents: string[];
  /** applied to every string and attribute name before it is printed (see `printNixMapped`) */
  readonly map: ((s: string) => string) | undefined;
  constructor(indent: string, map: ((s: string) => string) | undefined) {
    this.indents = [indent];
    this.map = map;
  }
  add(s: string): void {
    this.batch[this.n++] = s;
    if (this.n === BATCH) this.flush();
  }
  /** the indentation `depth` levels below the starting one */
  indent(depth: number): string {
    return this.indents[depth] ?? (this.indents[depth] = this.indent(depth - 1) + '  ');
  }
  private flush(): void {
    this.done.push(this.n === BATCH ? this.batch.join('') : this.batch.slice(0, this.n).join(''));
    this.n = 0;
  }
  text(): string {
    if (this.n > 0) this.flush();
    return this.done.length === 1 ? this.done[0]! : this.done.join('');
  }
}

function addString(s: string, out: Out): void {
  checkEncodable(s);
  if (NEEDS_ESCAPE.test(s)) s = escapeBody(s);
  out.add('"');
  out.add(s);
  out.add('"');
}

type Attrs = { [key: string]: NixData | undefined };

function isAttrs(value: NixData): value is Attrs {
  return value !== null && typeof value === 'object' && !(value instanceof NixExpr) && !Array.isArray(value);
}

/**
 * With a `map`, an attribute set is printed as if it had been copied key by key into a fresh object literal
 * (as `stripCredentialsDeep` does): names that map to the same one keep the last value, and a `__proto__`
 * name sets the copy's prototype instead of adding an attribute. The set itself is used when no name changes.
 * `keys`: Object.keys(value).
 */
function mapNames(value: Attrs, keys: string[], map: (s: string) => string): Attrs | undefined {
  let i = 0;
  for (; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === '__proto__' || map(k) !== k) break;
  }
  if (i === keys.length) return undefined;
  const copy: Attrs = {};
  for (const k of keys) copy[map(k)] = value[k];
  // what a `__proto__` name hides is not printed, but a deep copy would have passed it through `map` too
  if (keys.includes('__proto__')) for (const k of keys) visit(value[k], map);
  return copy;
}

/** Pass every string and attribute name inside `value` through `map`, for its side effects only. */
function visit(value: NixData | undefined, map: (s: string) => string): void {
  if (typeof value === 'string') map(value);
  else if (value === null || typeof value !== 'object' || value instanceof NixExpr) return;
  else if (Array.isArray(value)) value.forEach((v) => visit(v, map));
  else for (const [k, v] of Object.entries(value)) {
    map(k);
    visit(v, map);
  }
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

/**
 * Sort names by code point in place. Most sets have a handful of names: an insertion sort of those allocates
 * nothing (Array.prototype.sort allocates work space at every call, most of the printer's garbage).
 */
function sortNames(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort(byCodePoint);
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
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
