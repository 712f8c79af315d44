// Types for berry-zip.mjs (plain JavaScript so that the Nix builder can run it with node).
export interface ZipSpec {
  /** folder the package goes to inside the zip: node_modules/<name> */
  prefix: string;
  /** 0 = stored (cacheKey 10c0), 'mixed' = deflate where it helps (cacheKey 10, 8) */
  level?: number | 'mixed';
  /** leading path components dropped from tar entries (1: `package/`) */
  strip?: number;
}
export interface TarEntry {
  path: string;
  type: string;
  mode: number;
  linkpath: string;
  data: Buffer;
}
export function tarEntries(input: Uint8Array): Generator<TarEntry>;
/** `libzipSyncPath`: @yarnpkg/libzip's lib/libzipSync.js, needed for compressed levels */
export function tgzToZip(tgz: Uint8Array, spec: ZipSpec, libzipSyncPath?: string): Buffer;
