// poetry.lock as lock2nix sees it after parsing (lock-version 1.0, 1.1, 2.0 and 2.1; unknown keys ignored).

export interface LockedFile {
  /** the file name exactly as the lockfile writes it */
  file: string;
  algo: 'sha256' | 'sha512';
  hex: string;
}

export interface PackageSource {
  type: 'legacy' | 'git' | 'url' | 'file' | 'directory';
  url: string;
  /** legacy: the source name; git: branch, tag or rev as requested */
  reference?: string;
  /** git: the full commit */
  resolvedReference?: string;
  subdirectory?: string;
}

/** One constraint of a dependency edge (`name = "x"`, `{version, markers, extras, optional, python}`, or a list). */
export interface DependencySpec {
  version?: string;
  markers?: string;
  python?: string;
  extras: string[];
  optional: boolean;
  git?: string;
  url?: string;
  path?: string;
}

export interface LockedPackage {
  name: string;
  /** PEP 503 normalised name */
  normName: string;
  version: string;
  /** 1-based line of its `[[package]]` header */
  line: number | undefined;
  optional: boolean;
  pythonVersions: string;
  category?: string;
  /** lock-version 2.1 */
  groups?: string[];
  /** lock-version 2.1: one marker for all groups, or one per group */
  markers?: string | Record<string, string>;
  files: LockedFile[];
  source?: PackageSource;
  develop?: boolean;
  dependencies: Record<string, DependencySpec[]>;
  extras: Record<string, string[]>;
}

export interface PoetryLock {
  /** "1.0", "1.1", "2.0", "2.1" ... as written (an unversioned lock with metadata.files counts as "1.0") */
  lockVersion: string;
  pythonVersions?: string;
  contentHash?: string;
  packages: LockedPackage[];
  /** the root project's extras ([extras]) */
  extras: Record<string, string[]>;
  /** what the parser noticed that the user should know */
  notes: string[];
}
