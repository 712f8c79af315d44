// Registry download addresses: the `dl` template of a registry's config.json, expanded the way cargo does.

const MARKERS = ['{crate}', '{version}', '{prefix}', '{lowerprefix}', '{sha256-checksum}'];

/** The index folder of a crate name: `1`, `2`, `3/a`, or `ab/cd` for four characters or more. */
export function cratePrefix(name: string): string {
  const chars = [...name];
  switch (chars.length) {
    case 0:
      return '';
    case 1:
      return '1';
    case 2:
      return '2';
    case 3:
      return `3/${chars[0]}`;
    default:
      return `${chars.slice(0, 2).join('')}/${chars.slice(2, 4).join('')}`;
  }
}

/** Expand a `dl` template; without any marker cargo appends `/{crate}/{version}/download`. */
export function expandDl(dl: string, name: string, version: string, checksum: string | undefined): string {
  if (!MARKERS.some((m) => dl.includes(m))) return `${dl}/${name}/${version}/download`;
  const prefix = cratePrefix(name);
  return dl
    .replaceAll('{crate}', name)
    .replaceAll('{version}', version)
    .replaceAll('{prefix}', prefix)
    .replaceAll('{lowerprefix}', prefix.toLowerCase())
    .replaceAll('{sha256-checksum}', checksum ?? '');
}

/** The fixed part of a template before its first marker: the prefix credentials are registered for. */
export function dlPrefix(dl: string): string {
  const i = Math.min(...MARKERS.map((m) => (dl.includes(m) ? dl.indexOf(m) : dl.length)));
  return dl.slice(0, i);
}

/** The URL of a registry's config.json: at the root of a sparse index (which ends with `/`). */
export function sparseConfigUrl(index: string): string {
  return `${index.endsWith('/') ? index : `${index}/`}config.json`;
}
