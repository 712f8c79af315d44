// Package names and patterns: `name@range`, scoped names, `npm:` aliases.

/** Split `name@range` the way Yarn does: the first `@` after the first character. */
export function splitPattern(pattern: string): { name: string; range: string } {
  const at = pattern.indexOf('@', 1);
  if (at < 0) return { name: pattern, range: '' };
  return { name: pattern.slice(0, at), range: pattern.slice(at + 1) };
}

/** The real package behind a pattern: `foo@npm:bar@^1` is `bar`; otherwise the pattern's own name. */
export function realName(pattern: string): string {
  const { name, range } = splitPattern(pattern);
  if (range.startsWith('npm:')) {
    return splitPattern(range.slice(4)).name;
  }
  return name;
}

/** The path part of a URL, as Node's legacy url.parse gives it (still percent-encoded, no query or fragment). */
export function urlPathname(u: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:(\/\/[^/?#]*)?([^?#]*)/.exec(u);
  if (!m) return undefined;
  return m[2] === '' ? undefined : m[2];
}

export function stripFragment(u: string): { url: string; fragment: string | undefined } {
  const i = u.indexOf('#');
  return i < 0 ? { url: u, fragment: undefined } : { url: u.slice(0, i), fragment: u.slice(i + 1) };
}
