// JSON with positions: NuGet's lockfiles are JSON, and a bad entry must be reported with its line. The value
// comes from JSON.parse (a large project.assets.json holds hundreds of thousands of values); lines come from
// jsonc-parser's scanner, which indexes only the objects and arrays a path goes through, once each, on the first
// `line()` that asks. Text JSON.parse refuses goes to jsonc-parser's parser, which names the error and its line
// (the two refused the same texts in 300,000 random mutations of JSON; test/json.test.ts checks more).

import { LockfileError, lineAt } from '@lock2nix/core';
import { createScanner, parseTree, printParseErrorCode, type JSONScanner, type ParseError, type SyntaxKind } from 'jsonc-parser';

export type JsonPath = (string | number)[];

export interface JsonDoc {
  file: string;
  text: string;
  value: unknown;
  /** the 1-based line of the entry at `path` (the key of a property, else the value), if it exists */
  line(path: JsonPath): number | undefined;
  /** a LockfileError at the entry named by `path` */
  error(path: JsonPath, reason: string): LockfileError;
}

export function parseJson(file: string, rawText: string): JsonDoc {
  // a UTF-8 byte-order mark is common in files written on Windows; offsets below count from after it
  const bom = rawText.charCodeAt(0) === 0xfeff ? 1 : 0;
  const text = rawText.slice(bom);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw refusal(file, text, (e as Error).message);
  }
  let locate: Locator | undefined;
  const line = (path: JsonPath): number | undefined => (locate ??= new Locator(text)).line(path);
  return { file, text, value, line, error: (path, reason) => new LockfileError(file, line(path), reason) };
}

/** Why JSON.parse refused a text, from jsonc-parser's parser: its first error, on that error's line. */
function refusal(file: string, text: string, message: string): LockfileError {
  const errors: ParseError[] = [];
  try {
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (e) {
    // the parser recurses: absurdly deep nesting runs out of stack, which no lockfile needs
    if (e instanceof RangeError) return new LockfileError(file, undefined, 'not a lockfile: JSON nested too deeply');
    throw e;
  }
  const e = errors[0];
  if (e) return new LockfileError(file, lineAt(text, e.offset), `not valid JSON: ${printParseErrorCode(e.error)}`);
  // jsonc-parser found nothing wrong (never seen): JSON.parse's own words, at the position they name
  const at = /at position (\d+)/.exec(message);
  return new LockfileError(file, at ? lineAt(text, Number(at[1])) : 1, `not valid JSON: ${message}`);
}

// jsonc-parser's SyntaxKind is a const enum: its values, which type stripping cannot inline
const OPEN_BRACE = 1 as SyntaxKind;
const CLOSE_BRACE = 2 as SyntaxKind;
const OPEN_BRACKET = 3 as SyntaxKind;
const CLOSE_BRACKET = 4 as SyntaxKind;
const COMMA = 5 as SyntaxKind;
const COLON = 6 as SyntaxKind;
const STRING = 10 as SyntaxKind;
const EOF = 17 as SyntaxKind;

/** An object's entries (key → offsets of the key and of the value; a repeated key: its last, as JSON.parse keeps) or an array's (offsets of the values). */
type Members = Map<string, [key: number, value: number]> | number[];

/** Lines of entries in a text that parsed: each object or array a path goes through is scanned once. */
class Locator {
  private readonly scanner: JSONScanner;
  private readonly members = new Map<number, Members | undefined>();
  private starts: number[] | undefined;
  private readonly root: number;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
    this.scanner = createScanner(text, true);
    this.scanner.scan();
    this.root = this.scanner.getTokenOffset();
  }

  /** The line of the entry at `path`, or of the nearest entry above it that exists (the whole text: line 1). */
  line(path: JsonPath): number {
    let at = this.root;
    let value = this.root;
    for (const seg of path) {
      const m = this.membersAt(value);
      if (typeof seg === 'number') {
        if (!Array.isArray(m) || !Number.isInteger(seg) || seg < 0 || seg >= m.length) break;
        at = value = m[seg]!;
      } else {
        const e = m instanceof Map ? m.get(seg) : undefined;
        if (e === undefined) break;
        [at, value] = e;
      }
    }
    return lineOf((this.starts ??= lineStarts(this.text)), at);
  }

  private membersAt(offset: number): Members | undefined {
    if (this.members.has(offset)) return this.members.get(offset);
    const s = this.scanner;
    s.setPosition(offset);
    const open = s.scan();
    let m: Members | undefined;
    if (open === OPEN_BRACE) {
      const map = new Map<string, [number, number]>();
      for (let k = s.scan(); k === STRING; k = s.scan()) {
        const key = s.getTokenValue();
        const keyAt = s.getTokenOffset();
        if (s.scan() !== COLON) break;
        s.scan();
        map.set(key, [keyAt, s.getTokenOffset()]);
        this.skipValue();
        if (s.scan() !== COMMA) break;
      }
      m = map;
    } else if (open === OPEN_BRACKET) {
      const list: number[] = [];
      for (let k = s.scan(); k !== CLOSE_BRACKET && k !== EOF; k = s.scan()) {
        list.push(s.getTokenOffset());
        this.skipValue();
        if (s.scan() !== COMMA) break;
      }
      m = list;
    }
    this.members.set(offset, m);
    return m;
  }

  /** With the scanner on a value's first token, move it onto the value's last token (nesting counted, no recursion). */
  private skipValue(): void {
    const s = this.scanner;
    const t = s.getToken();
    if (t !== OPEN_BRACE && t !== OPEN_BRACKET) return;
    for (let depth = 1; depth > 0; ) {
      const k = s.scan();
      if (k === OPEN_BRACE || k === OPEN_BRACKET) depth++;
      else if (k === CLOSE_BRACE || k === CLOSE_BRACKET) depth--;
      else if (k === EOF) return;
    }
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Describe a JSON path for messages: libraries["Castle.Core/5.1.1"].sha512 */
export function showPath(path: JsonPath): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `${i ? '.' : ''}${p}` : `[${JSON.stringify(p)}]`))
    .join('');
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of a 0-based offset, by binary search over the line starts. */
function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
