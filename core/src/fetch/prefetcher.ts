// The prefetcher: bounded concurrency (p-queue), keep-alive HTTP (undici), streaming hashes, and a
// content-addressed cache. First version: no retries, git or archives yet (see issue notes).

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import PQueue from 'p-queue';
import { Agent, request } from 'undici';
import { FetchError, HashMismatchError, UsageError } from '../errors.ts';
import { hexToSri } from '../hash/encode.ts';
import type { HashAlgo } from '../model.ts';
import { silentReporter } from '../report.ts';
import type { FetchedFile, FetchedTree, FileRequest, GitRequest, Prefetcher, PrefetcherOptions, TextRequest, TextResponse } from './types.ts';

const ALGOS: HashAlgo[] = ['sha1', 'sha256', 'sha512'];
export const DEFAULT_USER_AGENT = 'lock2nix/0.1.0 (+https://github.com/lock2nix/lock2nix)';

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lock2nix');
}

/** Hash a stream with every algorithm at once while writing it to `sink`. */
async function hashInto(body: AsyncIterable<Uint8Array>, sinkPath: string): Promise<{ size: number; digests: Record<HashAlgo, string> }> {
  const hashes = ALGOS.map((a) => createHash(a));
  let size = 0;
  const out = createWriteStream(sinkPath, { flags: 'wx' });
  await pipeline(
    body,
    async function* (src: AsyncIterable<Uint8Array>) {
      for await (const chunk of src) {
        size += chunk.length;
        for (const h of hashes) h.update(chunk);
        yield chunk;
      }
    },
    out,
  );
  return { size, digests: Object.fromEntries(ALGOS.map((a, i) => [a, hashes[i]!.digest('hex')])) as Record<HashAlgo, string> };
}

export class HttpPrefetcher implements Prefetcher {
  readonly cacheDir: string;
  private readonly queue: PQueue;
  private readonly agent: Agent;
  private readonly opts: PrefetcherOptions;
  private readonly auth: [string, Record<string, string>][] = [];

  constructor(opts: PrefetcherOptions = {}) {
    this.opts = opts;
    this.cacheDir = opts.cacheDir ?? defaultCacheDir();
    this.queue = new PQueue({ concurrency: opts.concurrency ?? 16 });
    this.agent = new Agent({ keepAliveTimeout: 10_000, connections: opts.concurrency ?? 16 });
  }

  authorize(urlPrefix: string, headers: Record<string, string>): void {
    this.auth.push([urlPrefix, headers]);
    this.auth.sort((a, b) => b[0].length - a[0].length);
  }

  private headersFor(url: string, extra?: Record<string, string>): Record<string, string> {
    const found = this.auth.find(([p]) => url.startsWith(p));
    return { 'user-agent': this.opts.userAgent ?? DEFAULT_USER_AGENT, ...(found?.[1] ?? {}), ...(extra ?? {}) };
  }

  private blobPath(sha256: string): string {
    return join(this.cacheDir, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
  }

  private urlIndexPath(url: string): string {
    const h = createHash('sha256').update(url).digest('hex');
    return join(this.cacheDir, 'urls', h.slice(0, 2), `${h}.json`);
  }

  /** Re-verify a cache entry on read: a corrupt blob is removed and reported as a miss. */
  private async readBlob(sha256: string, url: string): Promise<FetchedFile | undefined> {
    const path = this.blobPath(sha256);
    try {
      await stat(path);
    } catch {
      return undefined;
    }
    const hashes = ALGOS.map((a) => createHash(a));
    let size = 0;
    await pipeline(createReadStream(path), new Writable({
      write(chunk: Buffer, _enc, cb) { size += chunk.length; for (const h of hashes) h.update(chunk); cb(); },
    }));
    const digests = Object.fromEntries(ALGOS.map((a, i) => [a, hashes[i]!.digest('hex')])) as Record<HashAlgo, string>;
    if (digests.sha256 !== sha256) {
      await rm(path, { force: true });
      return undefined;
    }
    return { path, size, digests, url };
  }

  async cached(req: FileRequest): Promise<FetchedFile | undefined> {
    for (const url of req.urls) {
      let sha256: string | undefined;
      try {
        sha256 = (JSON.parse(await readFile(this.urlIndexPath(url), 'utf8')) as { sha256: string }).sha256;
      } catch {
        continue;
      }
      const f = await this.readBlob(sha256, url);
      if (f && (!req.expect || f.digests[req.expect.algo] === req.expect.hex)) return f;
    }
    return undefined;
  }

  async file(req: FileRequest): Promise<FetchedFile> {
    const hit = await this.cached(req);
    if (hit) {
      this.opts.reporter?.report({ type: 'fetch-done', url: hit.url, pkg: req.pkg, bytes: hit.size, cached: true });
      return hit;
    }
    if (this.opts.offline) throw new FetchError(req.urls[0] ?? '(no URL)', 'not in the cache and running offline', { pkg: req.pkg });
    return this.queue.add(async () => {
      let last: Error | undefined;
      for (const url of req.urls) {
        try {
          return await this.download(url, req);
        } catch (e) {
          if (e instanceof HashMismatchError) throw e;
          last = e as Error;
        }
      }
      throw last ?? new FetchError('(no URL)', 'no candidate URL', { pkg: req.pkg });
    }) as Promise<FetchedFile>;
  }

  private async download(url: string, req: FileRequest): Promise<FetchedFile> {
    const reporter = this.opts.reporter ?? silentReporter;
    reporter.report({ type: 'fetch-start', url, pkg: req.pkg });
    const res = await request(url, { dispatcher: this.agent, headers: this.headersFor(url, req.headers), maxRedirections: 10, signal: this.opts.signal } as Parameters<typeof request>[1]).catch((e: Error) => {
      throw new FetchError(url, e.message, { pkg: req.pkg });
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new FetchError(url, `HTTP ${res.statusCode}`, { status: res.statusCode, pkg: req.pkg });
    }
    await mkdir(join(this.cacheDir, 'tmp'), { recursive: true });
    const tmp = join(this.cacheDir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const { size, digests } = await hashInto(res.body, tmp);
      if (req.expect && digests[req.expect.algo] !== req.expect.hex) {
        throw new HashMismatchError(req.pkg, url, hexToSri(req.expect.algo, req.expect.hex), hexToSri(req.expect.algo, digests[req.expect.algo]));
      }
      const path = this.blobPath(digests.sha256);
      await mkdir(join(path, '..'), { recursive: true });
      await rename(tmp, path);
      const idx = this.urlIndexPath(url);
      await mkdir(join(idx, '..'), { recursive: true });
      const idxTmp = `${idx}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(idxTmp, JSON.stringify({ url, sha256: digests.sha256, size }));
      await rename(idxTmp, idx);
      reporter.report({ type: 'fetch-done', url, pkg: req.pkg, bytes: size, cached: false });
      return { path, size, digests, url };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async git(req: GitRequest): Promise<FetchedTree> {
    throw new UsageError(`${req.pkg}: git fetching is not implemented yet (${req.url})`);
  }

  async archive(req: FileRequest): Promise<FetchedTree & { file: FetchedFile }> {
    throw new UsageError(`${req.pkg}: archive unpacking is not implemented yet (${req.urls[0]})`);
  }

  async text(req: TextRequest): Promise<TextResponse> {
    if (this.opts.offline) throw new FetchError(req.url, 'running offline', req.pkg ? { pkg: req.pkg } : {});
    return this.queue.add(async () => {
      const headers = this.headersFor(req.url, { ...(req.accept ? { accept: req.accept } : {}), ...(req.headers ?? {}) });
      const res = await request(req.url, { dispatcher: this.agent, headers, signal: this.opts.signal } as Parameters<typeof request>[1]).catch((e: Error) => {
        throw new FetchError(req.url, e.message, req.pkg ? { pkg: req.pkg } : {});
      });
      const body = await res.body.text();
      const ct = res.headers['content-type'];
      return { status: res.statusCode, url: req.url, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', body };
    }) as Promise<TextResponse>;
  }

  async close(): Promise<void> {
    await this.queue.onIdle();
    await this.agent.close();
  }
}

export function createPrefetcher(opts: PrefetcherOptions = {}): HttpPrefetcher {
  return new HttpPrefetcher(opts);
}
