// The prefetcher's contract. Converters and the pinning pipeline use only this interface.

import type { HashAlgo } from '../model.ts';
import type { Reporter } from '../report.ts';

export interface FetchedFile {
  /** path of the verified file in the content-addressed cache (read-only; do not modify) */
  path: string;
  size: number;
  /** lowercase base16 digests of the file's bytes (one the request did not ask for is computed from the file when read) */
  digests: Record<HashAlgo, string>;
  /** the URL that served it (after the candidate list; before redirects) */
  url: string;
}

export interface FetchedTree {
  /** a folder holding the unpacked tree (read-only; do not modify) */
  dir: string;
  /** SRI sha256 of the NAR serialisation of `dir`: what fetchgit/fetchzip would pin */
  narHash: string;
}

export interface FileRequest {
  /** candidate URLs, tried in order */
  urls: string[];
  /** who wants it, for messages: "serde 1.0.0" */
  pkg: string;
  /** extra request headers (never logged) */
  headers?: Record<string, string>;
  /** a known digest: lets the cache answer without network, and a mismatch is a HashMismatchError */
  expect?: { algo: HashAlgo; hex: string };
  /**
   * the digests the caller will read, computed while the bytes stream (sha256 and the expected one always are):
   * each is one more pass over the bytes. Default: all. Any other is still there, computed from the file when read.
   */
  digests?: HashAlgo[];
  /** download again even if the cache remembers these URLs (their content may have changed); an `expect`ed digest may still answer from the cache */
  refresh?: boolean;
}

export interface GitRequest {
  url: string;
  /** full commit id */
  rev: string;
  submodules: boolean;
  pkg: string;
}

export interface TextRequest {
  url: string;
  pkg?: string;
  accept?: string;
  headers?: Record<string, string>;
}

export interface TextResponse {
  status: number;
  /** final URL after redirects (for resolving relative links) */
  url: string;
  contentType: string;
  body: string;
}

export interface Prefetcher {
  /** download (or take from cache) one file, streaming its hashes; retries, redirects and auth included */
  file(req: FileRequest): Promise<FetchedFile>;
  /** a cached file, if any, for these URLs/expected digest, without network (for --offline) */
  cached(req: FileRequest): Promise<FetchedFile | undefined>;
  /** the tree at a git commit (once per url+rev), with its NAR hash */
  git(req: GitRequest): Promise<FetchedTree>;
  /** a tarball/zip unpacked (like fetchzip: one top folder stripped), with its NAR hash */
  archive(req: FileRequest): Promise<FetchedTree & { file: FetchedFile }>;
  /** an index/metadata document (Simple API, service index, config.json); 404 is returned, not thrown */
  text(req: TextRequest): Promise<TextResponse>;
  /**
   * Register credentials (from the ecosystem's own config) for every URL starting with `urlPrefix`. Used only
   * for requests to that origin (dropped on a redirect elsewhere); never logged, never written to output.
   */
  authorize(urlPrefix: string, headers: Record<string, string>): void;
}

export interface PrefetcherOptions {
  /** content-addressed cache folder; default: $XDG_CACHE_HOME/lock2nix or ~/.cache/lock2nix */
  cacheDir?: string;
  /** downloads at once; default 16 */
  concurrency?: number;
  /** attempts per URL for retryable failures (429, 5xx, resets, timeouts); default 4 */
  retries?: number;
  /** base back-off in ms (doubled per attempt, jittered; Retry-After wins); default 500 */
  backoffMs?: number;
  /** per-request idle timeout in ms (connect, headers, and between body chunks); default 30000 */
  timeoutMs?: number;
  /** longest single wait between attempts, Retry-After included; default 60000 */
  maxDelayMs?: number;
  /** redirects followed per request; default 20 */
  maxRedirects?: number;
  /** default: lock2nix/<version> (+https://github.com/lock2nix/lock2nix) */
  userAgent?: string;
  /** a .netrc to read credentials from; default $NETRC or ~/.netrc */
  netrcFile?: string;
  /** refuse all network access (cache only) */
  offline?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** called once, just before the first network request (the command line lets V8's young generation grow then) */
  onFirstRequest?: () => void;
}
