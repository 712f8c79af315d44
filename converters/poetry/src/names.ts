// Names and file names of Python distributions: PEP 503 normalisation, wheel and sdist file names.

/** PEP 503: lower case, runs of `-`, `_`, `.` collapsed to one `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface WheelTags {
  /** e.g. ["py2", "py3"], ["cp311"] */
  python: string[];
  /** e.g. ["none"], ["abi3"], ["cp311"] */
  abi: string[];
  /** e.g. ["any"], ["manylinux_2_17_x86_64", "manylinux2014_x86_64"] */
  platform: string[];
}

export interface DistFile {
  kind: 'wheel' | 'sdist';
  /** the distribution name as written in the file name */
  name: string;
  version: string;
  build?: string;
  tags?: WheelTags;
}

const SDIST_EXTS = ['.tar.gz', '.tgz', '.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tar', '.zip'];

export function sdistExtension(file: string): string | undefined {
  const lower = file.toLowerCase();
  return SDIST_EXTS.find((e) => lower.endsWith(e));
}

/**
 * Parse a wheel or sdist file name. Returns undefined for names that are neither (eggs, .exe installers).
 * Sdist names are split at the last `-` that is followed by a digit (old sdists keep dashes in the name).
 */
export function parseDistFile(file: string): DistFile | undefined {
  if (file.endsWith('.whl')) {
    const parts = file.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    const [name, version] = parts as [string, string];
    const [py, abi, plat] = parts.slice(-3) as [string, string, string];
    const build = parts.length === 6 ? parts[2] : undefined;
    if (build !== undefined && !/^\d/.test(build)) return undefined;
    return {
      kind: 'wheel', name, version, ...(build !== undefined ? { build } : {}),
      tags: { python: py.split('.'), abi: abi.split('.'), platform: plat.split('.') },
    };
  }
  const ext = sdistExtension(file);
  if (!ext) return undefined;
  const stem = file.slice(0, -ext.length);
  const m = /^(.+?)-(\d[^-]*)$/.exec(stem) ?? /^(.+)-([^-]+)$/.exec(stem);
  if (!m) return undefined;
  return { kind: 'sdist', name: m[1]!, version: m[2]! };
}
