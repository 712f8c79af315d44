// What the two yarn.lock formats hold, as far as lock2nix reads them.

/** One block of a classic (v1) yarn.lock: several patterns can share it. */
export interface V1Entry {
  /** every pattern (`name@range`) of the block, as written */
  patterns: string[];
  /** 1-based line of the block's key */
  line: number;
  version?: string;
  resolved?: string;
  integrity?: string;
  uid?: string;
  /** the `name` field (written when it differs from the pattern's name) */
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface V1Lock {
  kind: 'v1';
  entries: V1Entry[];
}

/** One block of a Berry yarn.lock. */
export interface BerryEntry {
  descriptors: string[];
  /** 1-based line of the block's key (always found for the keys Yarn writes) */
  line?: number;
  version?: string;
  resolution: string;
  checksum?: string;
  conditions?: string;
  languageName?: string;
  linkType?: string;
  dependencies?: Record<string, string>;
}

export interface BerryLock {
  kind: 'berry';
  /** __metadata.version */
  version: number;
  /** __metadata.cacheKey, as written (8, 10, 10c0 ...) */
  cacheKey: string;
  entries: BerryEntry[];
}

export type YarnLock = V1Lock | BerryLock;
