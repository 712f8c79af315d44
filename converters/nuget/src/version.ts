// NuGet package ids and versions as they appear in URLs and folders: NuGet.Versioning's normalised form,
// lower-cased for the flat container and the hierarchical source folder.

/** NuGet's package id rule: word characters separated by single dots or dashes, at most 100 characters. */
const ID = /^[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*$/;
const VERSION = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function isValidId(id: string): boolean {
  return id.length <= 100 && ID.test(id);
}

/**
 * The normalised version: `Major.Minor.Patch`, `.Revision` only when it is not 0, the prerelease label as
 * written, build metadata dropped, numbers without leading zeros. `undefined` when it is not a version.
 */
export function normalizeVersion(v: string): string | undefined {
  const m = VERSION.exec(v.trim());
  if (!m) return undefined;
  const num = (s: string | undefined): string | undefined => {
    if (s === undefined) return '0';
    const n = BigInt(s);
    return n > 2147483647n ? undefined : n.toString();
  };
  const parts = [num(m[1]), num(m[2]), num(m[3]), num(m[4])];
  if (parts.some((p) => p === undefined)) return undefined;
  let out = `${parts[0]}.${parts[1]}.${parts[2]}`;
  if (parts[3] !== '0') out += `.${parts[3]}`;
  if (m[5] !== undefined) out += `-${m[5]}`;
  return out;
}

/** .NET's ToLowerInvariant for the ASCII ids and versions NuGet allows. */
export function lower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * The one version of an exact range such as `[34.0.147, 34.0.147]` or `[1.2.3]` (how `downloadDependencies`
 * are written), normalised; `undefined` for anything that is not exactly one version.
 */
export function exactVersion(range: string): string | undefined {
  const m = /^\[\s*([^,\s\]]+)\s*(?:,\s*([^,\s\]]+)\s*)?\]$/.exec(range.trim());
  if (!m) return undefined;
  const a = normalizeVersion(m[1]!);
  if (a === undefined) return undefined;
  if (m[2] !== undefined && normalizeVersion(m[2]) !== a) return undefined;
  return a;
}
