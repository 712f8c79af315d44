// Printing data as Nix. Every string is escaped so that it evaluates back to exactly itself; attribute
// sets are printed with sorted keys; the layout is fixed, so the same data gives byte-identical text.

import { Lock2nixError } from '../errors.ts';
import { NixExpr, type NixData } from '../model.ts';

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** Refuse what a Nix string cannot hold: NUL bytes and lone UTF-16 surrogates (not encodable as UTF-8). */
function checkEncodable(s: string): void {
  if (s.includes('\0')) throw new Lock2nixError(`cannot put a NUL character into Nix: ${JSON.stringify(s.slice(0, 80))}`);
  if (!s.isWellFormed()) throw new Lock2nixError(`cannot put a lone UTF-16 surrogate into Nix: ${JSON.stringify(s.slice(0, 80))}`);
}

/** A double-quoted Nix string literal that evaluates to exactly `s`. */
export function nixString(s: string): string {
  checkEncodable(s);
  let out = '"';
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
  return out + '"';
}

/** An attribute name: bare when it is a plain identifier, quoted otherwise. */
export function nixAttrName(name: string): string {
  return IDENT.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

/** `throw "<message>"`: what an entry that could not be pinned evaluates to. */
export function nixThrow(message: string): NixExpr {
  return new NixExpr(`throw ${nixString(message)}`);
}

/** Sort keys by code point (stable across locales and runtimes). */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Print data as a Nix expression, two-space indented, keys sorted, undefined attributes left out. */
export function printNix(value: NixData, indent = ''): string {
  if (value instanceof NixExpr) return value.code;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': return nixString(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Lock2nixError(`cannot print ${value} as a Nix integer`);
      return value < 0 ? `(${value})` : String(value);
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[\n${value.map((v) => `${inner}${wrapListItem(printNix(v, inner), v)}\n`).join('')}${indent}]`;
  }
  const keys = sortedKeys(value).filter((k) => value[k] !== undefined);
  if (keys.length === 0) return '{ }';
  return `{\n${keys.map((k) => `${inner}${nixAttrName(k)} = ${printNix(value[k]!, inner)};\n`).join('')}${indent}}`;
}

/** List items are juxtaposed in Nix, so an application such as `throw "x"` needs parentheses there. */
function wrapListItem(text: string, v: NixData): string {
  return v instanceof NixExpr ? `(${text})` : text;
}
