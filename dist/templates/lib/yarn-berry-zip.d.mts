// Types for yarn-berry-zip.mjs (plain JavaScript: the Nix builder runs it with node, the converter imports it).
export interface ZipSpec {
  /** folder the package goes to inside the zip: node_modules/<name> */
  prefix: string;
  /** 0 = stored (cacheKey 10c0), 'mixed' = deflate where it helps (cacheKey 10, 8) */
  level?: number | 'mixed';
  /** leading path components dropped from tar entries (1: `package/`) */
  strip?: number;
  /** the cache key the zip is for: below 8 (or empty) Yarn 2's timestamps; absent: Yarn 3 and later */
  cacheKey?: string;
  /** 'checkout': the input is a source folder (a git checkout, or GitHub's archive unpacked), packed as `yarn pack` packs a plain package */
  from?: 'checkout';
}
export interface TarEntry {
  path: string;
  type: string;
  mode: number;
  linkpath: string;
  data: Buffer;
}
export function tarEntries(input: Uint8Array): Generator<TarEntry>;
/** Cache keys of Yarn 2 (below 8, or empty); undefined: Yarn 3 and later. */
export function isYarn2CacheKey(cacheKey: string | undefined): boolean;
/** `libzipSyncPath`: @yarnpkg/libzip's lib/libzipSync.js, needed for compressed levels */
export function tgzToZip(tgz: Uint8Array, spec: ZipSpec, libzipSyncPath?: string): Buffer;
/** Thrown for a checkout whose `yarn pack` lock2nix does not reproduce; the message says why. */
export class PackRefused extends Error {}
/** A git checkout -> the zip Yarn keeps in its cache for it (see packEntries). */
export function checkoutToZip(dir: string, spec: ZipSpec, libzipSyncPath?: string): Buffer;
/** The relative paths `yarn pack` puts into the package, sorted. */
export function packList(dir: string, manifest: Record<string, unknown>): string[];
