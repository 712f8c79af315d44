// The shape of a Cargo.lock, as this converter reads it.

/** Lockfile versions: 1 (`[metadata]` checksums), 2 (inline checksums), 3 (`version = 3`), 4 (encoded git queries). */
export type LockVersion = 1 | 2 | 3 | 4;

export interface LockedPackage {
  name: string;
  version: string;
  /** the `source` string exactly as written; absent for path and workspace members */
  source?: string;
  /** lowercase hex sha256 of the .crate file (inline, or from `[metadata]` in v1) */
  checksum?: string;
  /** 1-based line of the package's header */
  line: number;
  /** from `[[patch.unused]]`: locked but not used by the resolver */
  unused?: boolean;
}

export interface CargoLock {
  version: LockVersion;
  packages: LockedPackage[];
}

/** A parsed `source` string. */
export type CargoSource =
  | { kind: 'crates-io'; id: string }
  | { kind: 'registry'; id: string; protocol: 'sparse' | 'git'; index: string }
  | { kind: 'git'; id: string; url: string; ref: GitRef; commit: string };

/** The user's selector, as written in Cargo.toml (decoded). */
export type GitRef = { type: 'branch' | 'tag' | 'rev'; value: string } | { type: 'default' };
