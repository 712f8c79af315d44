// What the data printers (nix/print.ts, json.ts) share: the output buffer, the code point order of names, the
// check that a string can be written at all, and the credential mapping of attribute names.

import { Lock2nixError } from './errors.ts';
import { NixExpr, type NixData } from './model.ts';

/** Refuse what Nix cannot hold: NUL characters (a Nix string ends at one: fromJSON cuts the string there) and lone
 * UTF-16 surrogates (not encodable as UTF-8; fromJSON refuses them). */
export function checkEncodable(s: string): void {
  if (s.includes('\0')) throw new Lock2nixError(`cannot put a NUL character into Nix: ${JSON.stringify(s.slice(0, 80))}`);
  if (!s.isWellFormed()) throw new Lock2nixError(`cannot put a lone UTF-16 surrogate into Nix: ${JSON.stringify(s.slice(0, 80))}`);
}

export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
/** The text of `pieces`, joined (a single piece as it is). */
export function joinPieces(pieces: readonly string[]): string {
  return pieces.length === 1 ? pieces[0]! : pieces.join('');
}

export class Out {
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
    return joinPieces(this.pieces());
  }
  /** The text as the pieces it was printed in (their concatenation is `text()`), without joining them. */
  pieces(): string[] {
    if (this.n > 0) this.flush();
    return this.done;
  }
}

export type Attrs = { [key: string]: NixData | undefined };

export function isAttrs(value: NixData): value is Attrs {
  return value !== null && typeof value === 'object' && !(value instanceof NixExpr) && !Array.isArray(value);
}

/**
 * With a `map`, an attribute set is printed as if it had been copied key by key into a fresh object literal
 * (as `stripCredentialsDeep` does): names that map to the same one keep the last value, and a `__proto__`
 * name sets the copy's prototype instead of adding an attribute. The set itself is used when no name changes.
 * `keys`: Object.keys(value).
 */
export function mapNames(value: Attrs, keys: string[], map: (s: string) => string): Attrs | undefined {
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

/**
 * Sort names by code point in place. Most sets have a handful of names: an insertion sort of those allocates
 * nothing (Array.prototype.sort allocates work space at every call, most of the printer's garbage).
 */
export function sortNames(keys: string[]): void {
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

