// The two NuGet lockfiles, as far as lock2nix reads them, and the plan both parse into.

/** obj/project.assets.json, LockFileFormat version 3 (only what lock2nix reads). */
export interface AssetsFile {
  version: number;
  targets: Record<string, Record<string, { type?: string }>>;
  libraries: Record<string, { type?: string; sha512?: string; path?: string; files?: string[] }>;
  project?: {
    restore?: { projectName?: string; sources?: Record<string, unknown> };
    frameworks?: Record<string, { downloadDependencies?: { name?: string; version?: string }[] }>;
    runtimes?: Record<string, unknown>;
  };
}

/** packages.lock.json, version 1 (or 2 with Central Package Management). */
export interface PackagesLockFile {
  version: number;
  dependencies: Record<string, Record<string, PackagesLockEntry>>;
}

export type PackagesLockEntryType = 'Direct' | 'Transitive' | 'Project' | 'CentralTransitive';

export interface PackagesLockEntry {
  type: PackagesLockEntryType;
  requested?: string;
  resolved?: string;
  contentHash?: string;
  dependencies?: Record<string, string>;
}

/** One package to download, once per lower-cased id and version. */
export interface PlannedPackage {
  /** the id as the lockfile spells it (first spelling seen) */
  id: string;
  /** normalised version, casing as written */
  version: string;
  /** lower-cased id and version: the flat-container and source-folder form */
  lowerId: string;
  lowerVersion: string;
  /** NuGet's content hash (SHA-512 of the package without its signature), base64, when the lockfile states one */
  contentHash?: string;
  /** the lockfile field it came from: `sha512` (assets) or `contentHash` (packages.lock.json) */
  hashField?: 'sha512' | 'contentHash';
  /** `library`: a resolved package; `pack`: a runtime, reference or apphost pack from `downloadDependencies` */
  role: 'library' | 'pack';
  /** the assets file lists `.signature.p7s` among the package's files (undefined: not known) */
  signed?: boolean;
  /** line of the entry in the lockfile */
  line?: number;
}

export interface NugetPlan {
  kind: 'assets' | 'packages-lock';
  /** the file format's version (3 for assets, 1 or 2 for packages.lock.json) */
  formatVersion: number;
  /** sorted by lower-cased id, then lower-cased version */
  packages: PlannedPackage[];
  /** `project.restore.sources` (assets only), in order, as written; paths included */
  sources: string[];
  /** every target key (`net8.0`, `net8.0/linux-x64`, `.NETCoreApp,Version=v3.1`) */
  targets: string[];
  /** every runtime identifier the lockfile was restored for (target suffixes and `project.runtimes`) */
  runtimes: string[];
  /** project references, which are built from source and never fetched */
  projects: string[];
  /** the project's name, when the lockfile says (assets) */
  projectName?: string;
}
