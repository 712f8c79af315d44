// The ecosystem-neutral lock model: one Artifact per locked thing that has to be fetched (or is local),
// described well enough that core can pin it, and the builder can place it in the offline cache.

export const ECOSYSTEMS = ['cargo', 'yarn', 'poetry', 'nuget'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

export type HashAlgo = 'sha1' | 'sha256' | 'sha512';

/**
 * What a hash stated in a lockfile is a hash *of*. This decides whether it may be emitted as a Nix hash.
 * - `file`: the exact bytes the URL serves (Cargo checksum, yarn v1 integrity, Poetry file hash). Nix can use
 *   it directly as a flat `fetchurl` hash.
 * - `nar`: the NAR serialisation of the unpacked tree (as fetchgit/fetchzip compute).
 * - `ecosystem`: something else that the converter knows how to check (NuGet content hash, Berry cache zip
 *   checksum). Never emitted; verified by `Converter.verify` after download.
 */
export type HashMeaning = 'file' | 'nar' | 'ecosystem';

export interface StatedHash {
  algo: HashAlgo;
  /** lowercase base16 digest */
  hex: string;
  meaning: HashMeaning;
  /** where in the lockfile it came from, for error messages ("checksum", "integrity", "sha512" ...) */
  field: string;
}

export type SourceKind = 'registry' | 'alt-registry' | 'git' | 'url' | 'path';

export interface Source {
  kind: SourceKind;
  /** registry index/base URL for registry kinds, repository URL for git, download URL for url */
  url?: string;
  /** the name the lockfile gives the source (Cargo registry name, Poetry source name, NuGet feed key) */
  name?: string;
  /** git: the full locked commit */
  rev?: string;
  /** git: the user's selector exactly as written (branch=..., tag=..., rev=..., or none) */
  ref?: string;
  /** path: path relative to the project */
  path?: string;
}

/** How to download an artifact. `file` is hashed flat; `git` and `archive` are unpacked and NAR-hashed. */
export type FetchSpec =
  | { type: 'file'; urls: string[]; name: string }
  | { type: 'archive'; urls: string[]; name: string }
  | { type: 'git'; url: string; rev: string; submodules: boolean; name: string }
  | { type: 'none'; reason: string };

export interface Artifact {
  /** stable, unique within one lock; used for sorting and as the key in the generated output */
  key: string;
  name: string;
  version: string;
  source: Source;
  fetch: FetchSpec;
  hashes: StatedHash[];
  /** relative path the artifact must carry inside the offline cache; validated by `safeRelativePath` */
  cachePath: string;
  /** where in the lockfile this artifact was declared, for messages */
  line?: number;
  /** ecosystem-specific data the core builder needs, printed into the generated Nix as-is (sorted) */
  meta?: NixData;
}

/** A hash Nix will use for the fetch, and why we trust it. */
export interface Pin {
  /** SRI, e.g. sha256-... */
  hash: string;
  /** 'lockfile': justified by a `file`/`nar` hash the lockfile states; 'download': we downloaded and hashed it */
  by: 'lockfile' | 'download';
}

export interface PinnedArtifact extends Artifact {
  /** undefined when offline and nothing justifies a hash: the output then throws for this entry */
  pin?: Pin;
}

/**
 * A Nix expression written by lock2nix itself (never built from lockfile text), e.g. the `throw` an
 * unpinned entry evaluates to. Create with nix/print.ts helpers only.
 */
export class NixExpr {
  readonly code: string;
  constructor(code: string) {
    this.code = code;
  }
}

/** Data printable as Nix (see nix/print.ts). Object keys are printed sorted. */
export type NixData =
  | NixExpr
  | string
  | number
  | boolean
  | null
  | NixData[]
  | { [key: string]: NixData | undefined };

/** A parsed lockfile, ecosystem-neutral on the outside, with the converter's own view inside. */
export interface ParsedLock<Native = unknown> {
  ecosystem: Ecosystem;
  /** absolute path of the lockfile */
  file: string;
  /** a short description such as "Cargo.lock v4" or "yarn.lock (Berry, __metadata 8)" */
  format: string;
  native: Native;
}
