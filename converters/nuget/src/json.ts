// JSON with positions: NuGet's lockfiles are JSON, and a bad entry must be reported with its line. The
// tree from jsonc-parser keeps every node's offset; `at()` turns a path into the line of that entry.

import { LockfileError } from '@lock2nix/core';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

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
  const errors: ParseError[] = [];
  let root: Node | undefined;
  let value: unknown;
  try {
    root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (root && !errors.length) value = getNodeValue(root);
  } catch (e) {
    // the parser recurses: absurdly deep nesting runs out of stack, which no lockfile needs
    if (e instanceof RangeError) throw new LockfileError(file, undefined, 'not a lockfile: JSON nested too deeply');
    throw e;
  }
  if (errors.length || !root) {
    const e = errors[0];
    throw new LockfileError(file, e ? lineOf(lineStarts(text), e.offset) : 1, `not valid JSON: ${e ? printParseErrorCode(e.error) : 'empty'}`);
  }
  const starts = lineStarts(text);
  const line = (path: JsonPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node: Node | undefined = findNodeAtLocation(root, path.slice(0, n));
      if (!node) continue;
      const at = node.parent?.type === 'property' ? node.parent : node;
      return lineOf(starts, at.offset);
    }
    return undefined;
  };
  return { file, text, value, line, error: (path, reason) => new LockfileError(file, line(path), reason) };
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
