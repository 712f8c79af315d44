// Credentials are used while prefetching and never reach generated files. A URL taken from a lockfile may
// carry them (`https://user:token@host/...`); these helpers remove them from everything that is printed.

import { NixExpr, type NixData } from './model.ts';

// scheme://userinfo@ — the userinfo part stops at the first '/', '@' or whitespace
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s"'<>]+)@/gi;

/**
 * Whether `s` has `://` followed by at least one character other than '/' and '@', then '@': what USERINFO
 * needs to match. It stops at fewer characters than USERINFO does, so it never says no where USERINFO could
 * match; it only spares the regular expression the many strings that cannot (scoped npm URLs, `name@version`).
 */
function mayHaveUserinfo(s: string): boolean {
  let i = s.indexOf('://');
  while (i >= 0) {
    let j = i + 3;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 0x2f /* / */ || c === 0x40 /* @ */) break;
      j++;
    }
    if (j > i + 3 && j < s.length && s.charCodeAt(j) === 0x40) return true;
    i = s.indexOf('://', i + 1);
  }
  return false;
}

/**
 * Remove credentials from every URL inside `s`, leaving the rest byte for byte. For http(s) (also `git+https`)
 * the whole userinfo goes (a token may stand alone as the user name); for other schemes only a password,
 * so `ssh://git@host/...` keeps its user.
 */
export function stripCredentials(s: string): string {
  if (!mayHaveUserinfo(s)) return s;
  return s.replace(USERINFO, (_m, scheme: string, info: string) => {
    if (/(^|\+)https?:\/\/$/i.test(scheme)) return scheme;
    const colon = info.indexOf(':');
    return colon < 0 ? `${scheme}${info}@` : `${scheme}${info.slice(0, colon)}@`;
  });
}

/** `stripCredentials` on every string (and attribute name) in a value; `changed` tells whether any was found. */
export function stripCredentialsDeep<T extends NixData | undefined>(value: T): { value: T; changed: boolean } {
  let changed = false;
  const walk = (v: NixData | undefined): NixData | undefined => {
    if (typeof v === 'string') {
      const s = stripCredentials(v);
      if (s !== v) changed = true;
      return s;
    }
    if (v === null || v === undefined || typeof v !== 'object' || v instanceof NixExpr) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x) as NixData);
    const out: Record<string, NixData | undefined> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = stripCredentials(k);
      if (key !== k) changed = true;
      out[key] = walk(x);
    }
    return out;
  };
  const result = walk(value) as T;
  return { value: result, changed };
}
