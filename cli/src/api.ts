// The documented library API (README, "Library"): read a lockfile into the lock model, convert it to the
// generated data file (JSON), prefetch a URL, list the ecosystems. Nothing here prints or exits; failures are the typed
// errors of @lock2nix/core (LockfileError, HashMismatchError, FetchError, UsageError, all Lock2nixError), and an
// aborted call rejects with the signal's reason.

import { basename, dirname, resolve } from 'node:path';
import {
  convertText,
  createPrefetcher,
  readLockfile,
  toSri,
  UsageError,
  type Artifact,
  type ConvertContext,
  type Converter,
  type Ecosystem,
  type NixData,
  type PinnedArtifact,
  type Prefetcher,
  type Reporter,
  type ReportEvent,
} from '@lock2nix/core';
import { registry } from './registry.ts';

/** A lockfile on disk, or its text with the file name it would have (the name picks the ecosystem). */
export type LockfileInput =
  | { path: string; ecosystem?: Ecosystem }
  | { text: string; fileName: string; ecosystem?: Ecosystem; /** folder the lockfile belongs to (default: cwd) */ projectDir?: string };

export interface ProgressInfo {
  done: number;
  total: number;
  /** the package just pinned, e.g. "serde 1.0.203" */
  label?: string;
}

export interface FetchOptions {
  /** no network: hashes the lockfile justifies and the download cache only (default false) */
  offline?: boolean;
  /** downloads at once (default 16) */
  concurrency?: number;
  /** download cache folder (default $XDG_CACHE_HOME/lock2nix or ~/.cache/lock2nix) */
  cacheDir?: string;
  /** called after each package is pinned */
  onProgress?: (progress: ProgressInfo) => void;
  /** every other event: warnings, retries, downloads (never printed by the library) */
  onEvent?: (event: ReportEvent) => void;
  /** cancels downloads and rejects the call with signal.reason */
  signal?: AbortSignal;
  /** environment used to find the ecosystem's own configuration (default process.env) */
  env?: Record<string, string | undefined>;
  /** use this prefetcher instead of making one (offline/concurrency/cacheDir then apply to it as it is) */
  prefetcher?: Prefetcher;
}

/** The lock model: what the lockfile locks, resolved to downloads and stated hashes, not yet pinned. */
export interface LockModel {
  ecosystem: Ecosystem;
  /** absolute path of the lockfile */
  file: string;
  /** e.g. "Cargo.lock v3" */
  format: string;
  artifacts: Artifact[];
  meta?: NixData;
  warnings: string[];
}

export interface Conversion extends Omit<LockModel, 'artifacts'> {
  /** every artifact with its pin (`pin` is absent for entries that could not be pinned offline) */
  artifacts: PinnedArtifact[];
  /** entries left unpinned (offline without a usable lockfile hash); in `data` they carry `unpinned`, the message a core builder throws when they are used */
  unpinned: PinnedArtifact[];
  /** the generated data file, JSON (what `lock2nix` writes as lock2nix/<ecosystem>.json) */
  data: string;
  /** @deprecated the same text as `data` (before format 3 the data file was a Nix expression) */
  nix: string;
}

export interface EcosystemInfo {
  ecosystem: Ecosystem;
  title: string;
  lockfileNames: readonly string[];
  /** the core builder in lib/ that consumes the generated data */
  builder: string;
}

/** The ecosystems this version converts. */
export function supportedEcosystems(): EcosystemInfo[] {
  return registry.map((c) => ({ ecosystem: c.ecosystem, title: c.title, lockfileNames: c.lockfileNames, builder: c.builder }));
}

/** Which ecosystem a lockfile belongs to, from its file name and text; undefined when none. */
export function detectEcosystem(fileName: string, text: string): Ecosystem | undefined {
  const name = basename(fileName);
  return registry.find((c) => c.lockfileNames.includes(name) && c.detect(name, text))?.ecosystem;
}

/** The converter for a lockfile (imported only now: see registry.ts). */
function pick(file: string, text: string, eco: Ecosystem | undefined): Promise<Converter> {
  if (eco) {
    const c = registry.find((x) => x.ecosystem === eco);
    if (!c) throw new UsageError(`unknown ecosystem ${JSON.stringify(eco)}`);
    return c.load();
  }
  const found = detectEcosystem(file, text);
  if (!found) throw new UsageError(`${file}: not a lockfile lock2nix knows (${registry.flatMap((c) => c.lockfileNames).join(', ')}); pass ecosystem to say which it is`);
  return registry.find((c) => c.ecosystem === found)!.load();
}

async function load(input: LockfileInput): Promise<{ file: string; text: string; conv: Converter; projectDir: string }> {
  if ('path' in input) {
    const file = resolve(input.path);
    const text = await readLockfile(file);
    return { file, text, conv: await pick(file, text, input.ecosystem), projectDir: dirname(file) };
  }
  const projectDir = resolve(input.projectDir ?? process.cwd());
  const file = resolve(projectDir, input.fileName);
  return { file, text: input.text, conv: await pick(file, input.text, input.ecosystem), projectDir };
}

function reporterFor(o: FetchOptions): Reporter {
  return {
    report(e) {
      if (e.type === 'progress') o.onProgress?.({ done: e.done, total: e.total, ...(e.label !== undefined ? { label: e.label } : {}) });
      else o.onEvent?.(e);
    },
  };
}

async function withContext<T>(o: FetchOptions, projectDir: string, f: (ctx: ConvertContext) => Promise<T>): Promise<T> {
  o.signal?.throwIfAborted();
  const reporter = reporterFor(o);
  const offline = Boolean(o.offline);
  const own = o.prefetcher === undefined;
  const prefetcher = o.prefetcher ?? createPrefetcher({
    offline, reporter,
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.cacheDir !== undefined ? { cacheDir: resolve(o.cacheDir) } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  try {
    const result = await f({ projectDir, offline, prefetcher, reporter, env: o.env ?? process.env, ...(o.signal ? { signal: o.signal } : {}) });
    o.signal?.throwIfAborted();
    return result;
  } catch (e) {
    // a cancelled download surfaces as whatever it broke; the caller asked to stop, so say that
    o.signal?.throwIfAborted();
    throw e;
  } finally {
    if (own) await (prefetcher as ReturnType<typeof createPrefetcher>).close();
  }
}

/**
 * Read a lockfile into the lock model: every locked package with its download and the hashes the lockfile
 * states. Nothing is downloaded except what resolving needs (e.g. a Poetry index page); `offline` forbids that.
 */
export async function readLock(input: LockfileInput, options: FetchOptions = {}): Promise<LockModel> {
  const { file, text, conv, projectDir } = await load(input);
  return withContext(options, projectDir, async (ctx) => {
    const lock = conv.parse(file, text);
    const r = await conv.resolve(lock, ctx);
    return { ecosystem: conv.ecosystem, file, format: lock.format, artifacts: r.artifacts, ...(r.meta !== undefined ? { meta: r.meta } : {}), warnings: r.warnings ?? [] };
  });
}

/** Convert a lockfile: pin every artifact (downloading and verifying unless `offline`) and print the data file (JSON). */
export async function convert(input: LockfileInput, options: FetchOptions = {}): Promise<Conversion> {
  const { file, text, conv, projectDir } = await load(input);
  return withContext(options, projectDir, async (ctx) => {
    const r = await convertText(conv, file, text, ctx);
    return {
      ecosystem: conv.ecosystem, file, format: r.lock.format, artifacts: r.artifacts, unpinned: r.unpinned,
      ...(r.meta !== undefined ? { meta: r.meta } : {}), warnings: r.warnings, data: r.text, nix: r.text,
    };
  });
}

export interface PrefetchResult {
  /** SRI sha256: of the bytes (flat), or of the unpacked tree's NAR serialisation with `unpack` */
  hash: string;
  /** the file in the download cache (read-only) */
  path: string;
  size: number;
}

/** Download a URL (or take it from the cache) and hash it, like nix-prefetch-url (`unpack`: like fetchzip). */
export async function prefetch(url: string, options: FetchOptions & { unpack?: boolean } = {}): Promise<PrefetchResult> {
  return withContext(options, process.cwd(), async (ctx) => {
    if (options.unpack) {
      const tree = await ctx.prefetcher.archive({ urls: [url], pkg: url });
      return { hash: tree.narHash, path: tree.file.path, size: tree.file.size };
    }
    const f = options.offline ? await ctx.prefetcher.cached({ urls: [url], pkg: url }) : await ctx.prefetcher.file({ urls: [url], pkg: url });
    if (!f) throw new UsageError(`${url} is not in the download cache and offline is set`);
    return { hash: toSri('sha256', new Uint8Array(Buffer.from(f.digests.sha256, 'hex'))), path: f.path, size: f.size };
  });
}

