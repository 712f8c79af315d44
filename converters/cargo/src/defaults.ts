// The canonical public endpoints of crates.io. This is the only file that writes them.

/** The source string every Cargo.lock uses for crates.io, whatever protocol cargo really spoke. */
export const CRATES_IO_INDEX = 'https://github.com/rust-lang/crates.io-index';

/** crates.io's sparse index (`sparse+` prefix not included); accepted as crates.io too. */
export const CRATES_IO_SPARSE_INDEX = 'https://index.crates.io/';

/**
 * crates.io's static download host. Used instead of the API download endpoint, which is rate-limited and
 * refuses curl-like user agents. Two URL forms are served; both are emitted, `.crate` form first.
 */
export const CRATES_IO_STATIC = 'https://static.crates.io/crates';

/** Download URLs for one crates.io crate, in the order they are tried. */
export function cratesIoUrls(name: string, version: string): string[] {
  return [`${CRATES_IO_STATIC}/${name}/${name}-${version}.crate`, `${CRATES_IO_STATIC}/${name}/${version}/download`];
}
