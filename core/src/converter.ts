// The one interface every converter implements. Core owns everything generic around it: reading the file,
// pinning (download, verify, cache), printing Nix and writing output. A converter adds only what is specific
// to its lockfile: detect, parse, resolve to URLs and stated hashes, and check its ecosystem's own hashes.

import type { Artifact, Ecosystem, NixData, ParsedLock, Pin, PinnedArtifact } from './model.ts';
import type { Prefetcher, FetchedFile, FetchedTree } from './fetch/types.ts';
import type { Reporter } from './report.ts';

export interface ConvertContext {
  /** folder the lockfile lives in */
  projectDir: string;
  /** no network: only hashes the lockfile justifies, plus the cache */
  offline: boolean;
  /** downloads, index look-ups (with retries, auth, cache) */
  prefetcher: Prefetcher;
  reporter: Reporter;
  /** environment used to find the ecosystem's own configuration (HOME, CARGO_HOME, ...) */
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /**
   * Optional (used by `lock2nix update`): a pin verified by an earlier run for exactly this download. When it
   * returns one, pinning takes it as it is and fetches nothing for this artifact. `verifiedHashMeta` is the
   * converter's (see Converter): when set, the earlier entry must record the same value there as the artifact,
   * since its pin was verified against that ecosystem hash.
   */
  reusePin?(artifact: Artifact, verifiedHashMeta?: string): Pin | undefined;
  /**
   * Optional (set by the CLI for `--offline` runs when the output folder already holds a data file for this
   * lockfile): that file's entry of the given key, as written by an earlier run. Converters and `pin.ts` take
   * from it only what the lockfile's own hashes justify (see `earlierPin` in pin.ts and each converter's README).
   */
  earlier?(key: string): EarlierEntry | undefined;
}

/** One artifact of an earlier run's data file, read back (cli/src/update/data.ts). Untrusted: it may be edited. */
export interface EarlierEntry {
  key: string;
  source: Record<string, string>;
  /** the fetch in its full shape: `type` inside, `urls` (file, archive) or `url` (git), `name`, `hash` */
  fetch: Record<string, unknown>;
  /** the SRI hash the entry was pinned with; undefined when it was not pinned */
  hash?: string;
  meta: Record<string, unknown>;
}

export interface Resolved {
  artifacts: Artifact[];
  /** lock-level data for the core builder (source replacement, project info, ...) */
  meta?: NixData;
  /** things the user should know, already phrased for them */
  warnings?: string[];
}

export interface Converter<Native = unknown> {
  readonly ecosystem: Ecosystem;
  /** a human name, e.g. "Cargo" */
  readonly title: string;
  /** lockfile base names this converter reads when it searches a folder */
  readonly lockfileNames: readonly string[];
  /** the core builder in templates/ that consumes the generated data, e.g. "cargo.nix" */
  readonly builder: string;
  /**
   * Optional: emit a stated `file` hash (sha256/sha512) online as well, without downloading the file first
   * (Nix checks the bytes when it fetches). For lockfiles that list many large files of which a build uses
   * few, such as a poetry.lock's wheels for every platform. Default: download and verify online.
   */
  readonly pinStatedFileHashes?: boolean;
  /**
   * The `meta` attribute in which each artifact records, as an SRI hash, the ecosystem hash its pin is verified
   * against (NuGet: `contentHash`). Only converters that set it can have an offline run reuse an earlier pin
   * for a lockfile that states only ecosystem hashes (see `earlierPin` in pin.ts).
   */
  readonly verifiedHashMeta?: string;
  /**
   * An --offline run hands this converter the earlier output for its lockfile (ConvertContext.earlier), read only
   * for converters that can use it (Poetry: index URLs; NuGet: pins, see verifiedHashMeta).
   */
  readonly offlineReusesEarlierOutput?: boolean;
  /** cheap check that this file is one of ours */
  detect(fileName: string, text: string): boolean;
  /** parse the text; throws LockfileError (file and line) on bad input, never anything else */
  parse(file: string, text: string): ParsedLock<Native>;
  /** the artifacts with URLs, stated hashes and cache names; network only through ctx.prefetcher */
  resolve(lock: ParsedLock<Native>, ctx: ConvertContext): Promise<Resolved>;
  /**
   * Check hashes whose meaning is 'ecosystem' (NuGet content hash, Berry zip checksum) against what pinning
   * fetched: the downloaded file for a `file` fetch, the tree for a `git` or `archive` fetch (`isFetchedTree`
   * tells them apart); throw HashMismatchError naming package, URL, expected and actual. Files come here
   * when they carry an ecosystem hash; every fetched tree comes here (a converter may also refuse a tree it
   * cannot use faithfully, with a Lock2nixError saying why).
   */
  verify?(artifact: Artifact, fetched: FetchedFile | VerifiedTree, ctx: ConvertContext): Promise<void>;
  /**
   * After pinning: a chance to read fetched content (crates inside a git tree, an sdist's build-system) and
   * add artifacts or meta. Must be deterministic for the same pins.
   */
  finish?(pinned: PinnedArtifact[], resolved: Resolved, ctx: ConvertContext): Promise<{ artifacts: PinnedArtifact[]; meta?: NixData }>;
  /**
   * Extra output formats (`lock2nix --format NAME`), written beside the data file as `<name><suffix>`,
   * e.g. NuGet's `nixpkgs`: the deps.json that nixpkgs' buildDotnetModule reads.
   */
  readonly formats?: Readonly<Record<string, ExtraFormat>>;
}

/** A fetched tree as `verify` receives it, with where it came from. */
export interface VerifiedTree extends FetchedTree {
  /** the archive URL that served it, or the git repository URL (the commit is the artifact's `fetch.rev`) */
  url: string;
}

/** Whether `verify` was given a tree (git checkout, unpacked archive) rather than a downloaded file. */
export function isFetchedTree(f: FetchedFile | VerifiedTree): f is VerifiedTree {
  return 'dir' in f;
}

/**
 * What is known of a converter without loading its steps and their libraries: enough to list the ecosystems,
 * find lockfiles and tell which converter reads one. Each converter exports it from its `meta.ts`; the
 * command line loads the converter itself (its `index.ts`) only for a lockfile it converts.
 */
export interface ConverterInfo {
  readonly ecosystem: Ecosystem;
  readonly title: string;
  readonly lockfileNames: readonly string[];
  readonly builder: string;
  /** the names of the converter's extra output formats (the keys of `Converter.formats`) */
  readonly formats: readonly string[];
  /** the same check as the converter's own `detect` */
  detect(fileName: string, text: string): boolean;
}

export interface ExtraFormat {
  /** what it is, for --help and messages */
  description: string;
  /** file name suffix, e.g. ".deps.json" */
  suffix: string;
  render(artifacts: PinnedArtifact[]): string;
}
