// PEP 508 environment markers, parsed into a small tree that the core builder evaluates in Nix for a target
// (poetry.nix: evalMarker). Parsing happens here, where errors can name the lockfile line.

import type { NixData } from '@lock2nix/core';

/** A marker tree: `{ all = [..]; }`, `{ any = [..]; }`, `{ cmp; l; r; }` with `l`/`r` = `{ var; }` or `{ lit; }`. */
export type Marker =
  | { all: Marker[] }
  | { any: Marker[] }
  | { cmp: string; l: Operand; r: Operand };
export type Operand = { var: string } | { lit: string };

export const TRUE: Marker = { all: [] };

const VARIABLES = new Set([
  'python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_release', 'platform_system',
  'platform_version', 'platform_machine', 'platform_python_implementation', 'implementation_name',
  'implementation_version', 'extra', 'dependency_groups', 'extras',
]);
const LEGACY: Record<string, string> = {
  'os.name': 'os_name', 'sys.platform': 'sys_platform', 'platform.version': 'platform_version',
  'platform.machine': 'platform_machine', 'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

export class MarkerError extends Error {}

type Tok = { t: 'str' | 'var' | 'op' | 'and' | 'or' | '(' | ')'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c, v: c }); i++; continue; }
    if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new MarkerError(`unterminated string in marker ${JSON.stringify(s)}`);
      out.push({ t: 'str', v: s.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const op = /^(===|==|!=|<=|>=|~=|<|>)/.exec(s.slice(i));
    if (op) { out.push({ t: 'op', v: op[1]! }); i += op[1]!.length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i));
    if (word) {
      const w = word[0];
      i += w.length;
      if (w === 'and' || w === 'or') out.push({ t: w, v: w });
      else if (w === 'in') out.push({ t: 'op', v: 'in' });
      else if (w === 'not') {
        const rest = /^\s+in\b/.exec(s.slice(i));
        if (!rest) throw new MarkerError(`expected "not in" in marker ${JSON.stringify(s)}`);
        i += rest[0].length;
        out.push({ t: 'op', v: 'not in' });
      } else {
        const v = LEGACY[w] ?? w;
        if (!VARIABLES.has(v)) throw new MarkerError(`unknown marker variable ${JSON.stringify(w)} in ${JSON.stringify(s)}`);
        out.push({ t: 'var', v });
      }
      continue;
    }
    throw new MarkerError(`unexpected ${JSON.stringify(c)} in marker ${JSON.stringify(s)}`);
  }
  return out;
}

/** Parse a PEP 508 marker expression (the part after `;`). An empty string is always true. */
export function parseMarker(s: string): Marker {
  const toks = tokenize(s);
  if (toks.length === 0) return TRUE;
  let p = 0;
  const peek = () => toks[p];
  const fail = (what: string): never => { throw new MarkerError(`${what} in marker ${JSON.stringify(s)}`); };
  const operand = (): Operand => {
    const t = toks[p++];
    if (!t) return fail('unexpected end');
    if (t.t === 'str') return { lit: t.v };
    if (t.t === 'var') return { var: t.v };
    return fail(`expected a value, got ${JSON.stringify(t.v)}`);
  };
  const atom = (): Marker => {
    if (peek()?.t === '(') {
      p++;
      const e = orExpr();
      if (toks[p++]?.t !== ')') fail('missing )');
      return e;
    }
    const l = operand();
    const op = toks[p++];
    if (op?.t !== 'op') return fail('expected a comparison');
    const r = operand();
    return { cmp: op.v, l, r };
  };
  const andExpr = (): Marker => {
    const parts = [atom()];
    while (peek()?.t === 'and') { p++; parts.push(atom()); }
    return parts.length === 1 ? parts[0]! : { all: parts };
  };
  const orExpr = (): Marker => {
    const parts = [andExpr()];
    while (peek()?.t === 'or') { p++; parts.push(andExpr()); }
    return parts.length === 1 ? parts[0]! : { any: parts };
  };
  const m = orExpr();
  if (p !== toks.length) fail(`unexpected ${JSON.stringify(toks[p]!.v)}`);
  return m;
}

export function and(a: Marker, b: Marker): Marker {
  const list = (m: Marker) => ('all' in m ? m.all : [m]);
  return { all: [...list(a), ...list(b)] };
}

export function markerData(m: Marker): NixData {
  return m as unknown as NixData;
}

export interface Requirement {
  name: string;
  extras: string[];
  /** PEP 440 specifier (or Poetry's parenthesised form, without parentheses) */
  specifier: string;
  marker: Marker;
  url?: string;
}

/** Parse a PEP 508 requirement, also Poetry's older `pkg (>=1.0)` spelling. */
export function parseRequirement(s: string): Requirement {
  const [reqPart, markerPart] = splitMarker(s);
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*?)\s*$/.exec(reqPart);
  if (!m) throw new MarkerError(`cannot parse requirement ${JSON.stringify(s)}`);
  let spec = m[3] ?? '';
  let url: string | undefined;
  if (spec.startsWith('@')) { url = spec.slice(1).trim(); spec = ''; }
  if (spec.startsWith('(') && spec.endsWith(')')) spec = spec.slice(1, -1).trim();
  return {
    name: m[1]!,
    extras: (m[2] ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    specifier: spec,
    marker: markerPart !== undefined ? parseMarker(markerPart) : TRUE,
    ...(url ? { url } : {}),
  };
}

function splitMarker(s: string): [string, string | undefined] {
  // the first `;` outside quotes
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) { if (c === q) q = undefined; continue; }
    if (c === '"' || c === "'") q = c;
    else if (c === ';') return [s.slice(0, i), s.slice(i + 1)];
  }
  return [s, undefined];
}
