// The prefetcher against every fault mode of the fixture server, one at a time.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startServer, type FixtureServer } from '@lock2nix/fixtures';
import { CollectingReporter, FetchError, HashMismatchError, createPrefetcher, type HttpPrefetcher, type PrefetcherOptions } from '../src/index.ts';
import { backoffDelay, parseRetryAfter, redactText, redactUrl } from '../src/fetch/retry.ts';
import { redirectTarget } from '../src/fetch/prefetcher.ts';

const sha = (algo: string, b: Uint8Array) => createHash(algo).update(b).digest('hex');

let server: FixtureServer;
let other: FixtureServer;
let dir: string;
let pf: HttpPrefetcher;
let reporter: CollectingReporter;
const body = randomBytes(200_000);

function make(opts: PrefetcherOptions = {}): HttpPrefetcher {
  reporter = new CollectingReporter();
  return createPrefetcher({ cacheDir: join(dir, 'cache'), backoffMs: 10, maxDelayMs: 2000, timeoutMs: 2000, netrcFile: join(dir, 'netrc'), reporter, ...opts });
}

beforeAll(async () => {
  server = await startServer();
  other = await startServer();
  server.file('/a.bin', body);
});
afterAll(async () => {
  await server.close();
  await other.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-fetch-'));
  server.clearFaults();
  other.clearFaults();
  server.log.length = 0;
  pf = make();
});
afterEach(async () => {
  await pf.close();
  await rm(dir, { recursive: true, force: true });
});

const retries = () => reporter.events.filter((e) => e.type === 'retry');
const expectSha256 = { algo: 'sha256' as const, hex: sha('sha256', body) };

describe('prefetcher: plain and cached', () => {
  test('downloads, streams every digest, and answers the second time from the cache', async () => {
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a 1.0' });
    expect(f.size).toBe(body.length);
    expect(f.digests).toEqual({ sha1: sha('sha1', body), sha256: sha('sha256', body), sha512: sha('sha512', body) });
    expect(Buffer.compare(await readFile(f.path), body)).toBe(0);
    const n = server.log.length;
    const g = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a 1.0' });
    expect(g.path).toBe(f.path);
    expect(server.log.length).toBe(n);
    // an expected sha512 finds the same blob without network, under another URL
    const h = await pf.file({ urls: [`${server.url}/elsewhere`], pkg: 'a 1.0', expect: { algo: 'sha512', hex: sha('sha512', body) } });
    expect(h.path).toBe(f.path);
    expect(server.log.length).toBe(n);
  });

  test('only the digests asked for are streamed and indexed; any other is computed from the blob when read', async () => {
    const sha512 = { algo: 'sha512' as const, hex: sha('sha512', body) };
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: sha512, digests: [] });
    expect(Object.getOwnPropertyDescriptor(f.digests, 'sha512')?.value).toBe(sha512.hex);
    // verified by the expected sha512 that is all it asked for: hashed once, kept under that digest alone
    expect(Object.getOwnPropertyDescriptor(f.digests, 'sha256')?.get).toBeDefined(); // not computed yet
    expect(Object.getOwnPropertyDescriptor(f.digests, 'sha1')?.get).toBeDefined();
    expect(f.path).toBe(join(dir, 'cache', 'digests', 'sha512', sha512.hex));
    expect(await readdir(join(dir, 'cache', 'digests'))).toEqual(['sha512']);
    expect(existsSync(join(dir, 'cache', 'blobs'))).toBe(false);
    // read anyway: computed from the file, once
    expect(f.digests.sha1).toBe(sha('sha1', body));
    expect(Object.getOwnPropertyDescriptor(f.digests, 'sha1')?.value).toBe(sha('sha1', body));
    expect({ ...f.digests }).toEqual({ sha1: sha('sha1', body), sha256: sha('sha256', body), sha512: sha512.hex });
    // the sha512 entry answers without network, and the hit (which verifies the bytes, sha256 too) gives the file
    // its blob name; an expected sha1 has no entry yet: downloaded, then indexed
    const n = server.log.length;
    const blob = join(dir, 'cache', 'blobs', 'sha256', sha('sha256', body));
    expect((await pf.file({ urls: [`${server.url}/b.bin`], pkg: 'a', expect: sha512, digests: [] })).path).toBe(blob);
    expect(server.log.length).toBe(n);
    expect(statSync(blob).ino).toBe(statSync(f.path).ino);
    const g = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: { algo: 'sha1', hex: sha('sha1', body) }, digests: ['sha1'] });
    expect(g.path).toBe(blob);
    expect(server.log.length).toBe(n + 1);
    expect((await readdir(join(dir, 'cache', 'digests'))).sort()).toEqual(['sha1', 'sha512']);
  });

  test('a download verified by its sha512 that also reads its sha1 (a yarn.lock with `resolved ...#<sha1>`) is kept under both, without a sha256', async () => {
    const sha512 = { algo: 'sha512' as const, hex: sha('sha512', body) };
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: sha512, digests: ['sha512', 'sha1'] });
    expect(Object.getOwnPropertyDescriptor(f.digests, 'sha1')?.value).toBe(sha('sha1', body));
    expect(Object.getOwnPropertyDescriptor(f.digests, 'sha256')?.get).toBeDefined();
    expect(f.path).toBe(join(dir, 'cache', 'digests', 'sha512', sha512.hex));
    const sha1Entry = join(dir, 'cache', 'digests', 'sha1', sha('sha1', body));
    expect(statSync(sha1Entry).ino).toBe(statSync(f.path).ino);
    expect(existsSync(join(dir, 'cache', 'blobs'))).toBe(false);
    // an expected sha1 finds it too, without network
    const n = server.log.length;
    const g = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: { algo: 'sha1', hex: sha('sha1', body) }, digests: ['sha1'] });
    expect(server.log.length).toBe(n);
    expect(Buffer.compare(await readFile(g.path), body)).toBe(0);
    expect(g.digests.sha256).toBe(sha('sha256', body));
  });

  test('a corrupt cache entry is removed and fetched again', async () => {
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    await writeFile(f.path, 'garbage');
    expect(await pf.cached({ urls: [`${server.url}/a.bin`], pkg: 'a' })).toBeUndefined();
    const g = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    expect(Buffer.compare(await readFile(g.path), body)).toBe(0);
  });

  test('concurrent requests for one file download it once', async () => {
    const all = await Promise.all(Array.from({ length: 5 }, () => pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' })));
    expect(new Set(all.map((f) => f.path)).size).toBe(1);
    expect(server.log.filter((l) => l === 'GET /a.bin').length).toBe(1);
  });

  test('offline: cache only', async () => {
    const off = make({ offline: true });
    await expect(off.file({ urls: [`${server.url}/a.bin`], pkg: 'a' })).rejects.toThrow(/offline/);
    await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    expect((await off.file({ urls: [`${server.url}/a.bin`], pkg: 'a' })).size).toBe(body.length);
    await off.close();
  });
});

describe('prefetcher: faults', () => {
  test('5xx is retried with back-off', async () => {
    server.fault('/a.bin', { kind: 'status', status: 503, times: 2 });
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: expectSha256 });
    expect(f.size).toBe(body.length);
    expect(retries().map((e) => (e as { cause: string }).cause)).toEqual(['HTTP 503', 'HTTP 503']);
  });

  test('429 honours Retry-After in seconds', async () => {
    server.fault('/a.bin', { kind: 'status', status: 429, times: 1, retryAfter: '1' });
    const t0 = Date.now();
    await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(retries()[0]).toMatchObject({ delayMs: 1000, attempt: 2 });
  });

  test('429 honours Retry-After as an HTTP date', async () => {
    server.fault('/a.bin', { kind: 'status', status: 429, times: 1, retryAfter: new Date(Date.now() + 1500).toUTCString() });
    await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    const d = (retries()[0] as { delayMs: number }).delayMs;
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThanOrEqual(1500);
  });

  test('a reset mid-body is retried', async () => {
    server.fault('/a.bin', { kind: 'reset', times: 2, afterBytes: 50_000 });
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: expectSha256 });
    expect(f.digests.sha256).toBe(expectSha256.hex);
    expect(retries()).toHaveLength(2);
  });

  test('a truncated body is never hashed as the file', async () => {
    server.fault('/a.bin', { kind: 'truncate', times: 1, keepBytes: 1000 });
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    expect(f.digests.sha256).toBe(expectSha256.hex);
    expect(retries()).toHaveLength(1);
  });

  test('wrong bytes: retried once, then a HashMismatchError naming package, URL, expected and actual', async () => {
    server.fault('/a.bin', { kind: 'wrong-bytes', times: 1 });
    expect((await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: expectSha256 })).digests.sha256).toBe(expectSha256.hex);
    server.fault('/a.bin', { kind: 'wrong-bytes' });
    const fresh = make({ cacheDir: join(dir, 'cache2') });
    const e = await fresh.file({ urls: [`${server.url}/a.bin`], pkg: 'a 1.0', expect: expectSha256 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HashMismatchError);
    expect((e as Error).message).toContain('a 1.0');
    expect((e as Error).message).toContain(`${server.url}/a.bin`);
    expect((e as HashMismatchError).expected).toMatch(/^sha256-/);
    await fresh.close();
  });

  test('wrong bytes on the last allowed attempt are still a HashMismatchError', async () => {
    server.fault('/a.bin', { kind: 'status', status: 503, times: 3 });
    server.fault('/a.bin', { kind: 'wrong-bytes' });
    const e = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: expectSha256 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HashMismatchError);
  });

  test('a slow start and a slow body within the idle timeout succeed; an idle body past it is retried', async () => {
    server.fault('/a.bin', { kind: 'slow', times: 1, delayMs: 300 });
    server.fault('/a.bin', { kind: 'slow-body', times: 1, delayMs: 5, chunkBytes: 20_000 });
    expect((await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' })).size).toBe(body.length);
    // undici checks body timeouts on a 1 s tick: the gap must clearly exceed timeout + tick
    const strict = make({ cacheDir: join(dir, 'c3'), timeoutMs: 300 });
    server.clearFaults();
    server.fault('/a.bin', { kind: 'slow-body', times: 1, delayMs: 2500, chunkBytes: 100_000 });
    expect((await strict.file({ urls: [`${server.url}/a.bin`], pkg: 'a' })).size).toBe(body.length);
    expect(reporter.events.filter((e) => e.type === 'retry')[0]).toMatchObject({ cause: expect.stringMatching(/timeout/i) });
    await strict.close();
  }, 20_000);

  test('404 fails at once (no retries), after trying every candidate', async () => {
    const e = await pf.file({ urls: [`${server.url}/missing1`, `${server.url}/missing2`], pkg: 'gone 0.1' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FetchError);
    expect((e as FetchError).message).toBe(`gone 0.1: cannot fetch ${server.url}/missing1: HTTP 404; also tried ${server.url}/missing2: HTTP 404`);
    expect((e as FetchError).status).toBe(404);
    expect(retries()).toHaveLength(0);
    expect(server.log).toEqual(['GET /missing1', 'GET /missing2']);
  });

  test('a later candidate serves when the first keeps failing', async () => {
    server.fault('/mirror1', { kind: 'status', status: 500 });
    server.file('/mirror2/a.bin', body);
    const f = await pf.file({ urls: [`${server.url}/mirror1/a.bin`, `${server.url}/mirror2/a.bin`], pkg: 'a' });
    expect(f.url).toBe(`${server.url}/mirror2/a.bin`);
    expect(retries()).toHaveLength(3);
  });

  test('persistent 5xx: FetchError with the last status, after the configured attempts', async () => {
    server.fault('/a.bin', { kind: 'status', status: 502 });
    const e = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a 2' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FetchError);
    expect((e as Error).message).toBe(`a 2: cannot fetch ${server.url}/a.bin: HTTP 502 (after 4 attempts)`);
    expect(server.log.length).toBe(4);
  });

  test('connection refused is reported with its cause', async () => {
    const e = await make({ retries: 2 }).file({ urls: ['http://127.0.0.1:1/x'], pkg: 'x' }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/^x: cannot fetch http:\/\/127\.0\.0\.1:1\/x: .*ECONNREFUSED.*\(after 2 attempts\)$/);
  });
});

describe('prefetcher: resuming with Range', () => {
  test('a reset mid-body is resumed from where it stopped (Range + If-Range) and the whole file verified', async () => {
    server.fault('/a.bin', { kind: 'reset', times: 1, afterBytes: 150_000 });
    const before = server.requests.length;
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a', expect: expectSha256 });
    expect(f.digests.sha256).toBe(expectSha256.hex);
    const [first, second] = server.requests.slice(before);
    expect(first!.headers.range).toBeUndefined();
    expect(second!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(second!.headers.range as string)![0])).toBeGreaterThan(0);
    expect(second!.headers['if-range']).toMatch(/^"[0-9a-f]+"$/);
    expect(await readdir(join(dir, 'cache', 'tmp'))).toEqual([]);
  });

  test('a server that answers a range with the whole body (it changed) is read from the start', async () => {
    let n = 0;
    server.route('GET', '/changing.bin', (_req, res) => {
      n++;
      res.writeHead(200, { 'content-length': body.length, etag: `"v${n}"`, 'accept-ranges': 'bytes' });
      if (n === 1) {
        res.write(body.subarray(0, 1000));
        setTimeout(() => res.socket?.destroy(), 100);
      } else {
        res.end(body);
      }
    });
    const f = await pf.file({ urls: [`${server.url}/changing.bin`], pkg: 'c', expect: expectSha256 });
    expect(f.size).toBe(body.length);
    expect(server.requests.filter((r) => r.path === '/changing.bin').map((r) => r.headers['if-range'])).toEqual([undefined, '"v1"']);
  });

  test('a 206 for the wrong range is not appended', async () => {
    let n = 0;
    server.route('GET', '/badrange.bin', (req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(200, { 'content-length': body.length, etag: '"x"', 'accept-ranges': 'bytes' });
        res.write(body.subarray(0, 5000));
        setTimeout(() => res.socket?.destroy(), 100);
      } else if (req.headers.range) {
        res.writeHead(206, { 'content-length': body.length - 10, 'content-range': `bytes 10-${body.length - 1}/${body.length}`, etag: '"x"' });
        res.end(body.subarray(10));
      } else {
        res.writeHead(200, { 'content-length': body.length, etag: '"x"' });
        res.end(body);
      }
    });
    const f = await pf.file({ urls: [`${server.url}/badrange.bin`], pkg: 'b' });
    expect(f.digests.sha256).toBe(expectSha256.hex);
    expect(retries().map((e) => (e as { cause: string }).cause)[1]).toBe('unusable range response');
  });
});

describe('prefetcher: redirects', () => {
  test('a chain is followed and the final body hashed', async () => {
    server.fault('/a.bin', { kind: 'redirect', chain: 5, times: 1 });
    const f = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    expect(f.digests.sha256).toBe(expectSha256.hex);
    expect(f.url).toBe(`${server.url}/a.bin`);
  });

  test('an endless chain stops at the bound', async () => {
    server.fault('/a.bin', { kind: 'redirect', chain: 1000 });
    const e = await make({ maxRedirects: 8 }).file({ urls: [`${server.url}/a.bin`], pkg: 'a' }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/more than 8 redirects/);
    expect(server.log.length).toBe(9);
  });

  test('a redirect to a 404 page is not hashed', async () => {
    server.fault('/a.bin', { kind: 'redirect', chain: 1, to: `${other.url}/nothing-here` });
    const e = await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' }).catch((x: unknown) => x);
    expect((e as FetchError).status).toBe(404);
  });

  test('credentials stay with their origin', async () => {
    const seen: Record<string, string | undefined> = {};
    server.route('GET', '/private/:f', (req, res) => {
      seen.first = req.headers.authorization;
      seen.firstX = req.headers['x-token'] as string | undefined;
      res.writeHead(302, { location: `${other.url}/public/${req.url!.split('/').pop()}` });
      res.end();
    });
    other.route('GET', '/public/:f', (req, res) => {
      seen.second = req.headers.authorization;
      seen.secondX = req.headers['x-token'] as string | undefined;
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    });
    pf.authorize(`${server.url}/private/`, { authorization: 'Bearer secret-token' });
    const f = await pf.file({ urls: [`${server.url}/private/x`], pkg: 'p', headers: { 'x-token': 'hunter2' } });
    expect(f.size).toBe(2);
    expect(seen).toEqual({ first: 'Bearer secret-token', firstX: 'hunter2', second: undefined, secondX: undefined });
  });

  test('.netrc credentials are sent to their host only, and userinfo never reaches a message', async () => {
    let auth: string | undefined;
    server.route('GET', '/netrc/:f', (req, res) => {
      auth = req.headers.authorization;
      res.writeHead(404);
      res.end();
    });
    await writeFile(join(dir, 'netrc'), `# comment\nmachine example.invalid login nobody password nope\nmachine 127.0.0.1\n  login alice\n  password "s3cr3t pass"\n`);
    const p = make();
    const e = await p.file({ urls: [`${server.url}/netrc/x`], pkg: 'n' }).catch((x: unknown) => x);
    expect(auth).toBe(`Basic ${Buffer.from('alice:s3cr3t pass').toString('base64')}`);
    expect((e as Error).message).not.toContain('s3cr3t');
    const url = `http://bob:pw123@127.0.0.1:${server.port}/netrc/y`;
    const e2 = await p.file({ urls: [url], pkg: 'n' }).catch((x: unknown) => x);
    expect(auth).toBe(`Basic ${Buffer.from('bob:pw123').toString('base64')}`);
    expect((e2 as Error).message).not.toContain('pw123');
    expect(JSON.stringify(reporter.events)).not.toContain('pw123');
    await p.close();
  });
});

describe('prefetcher: text', () => {
  test('404 is returned; 5xx retried; redirects give the final URL', async () => {
    server.file('/index.json', '{"a":1}', 'application/json');
    expect((await pf.text({ url: `${server.url}/nope` })).status).toBe(404);
    server.fault('/index.json', { kind: 'status', status: 500, times: 1 });
    server.fault('/index.json', { kind: 'redirect', chain: 2, times: 1 });
    const r = await pf.text({ url: `${server.url}/index.json`, accept: 'application/json' });
    expect(r).toEqual({ status: 200, url: `${server.url}/index.json?hop=2`, contentType: 'application/json', body: '{"a":1}' });
  });
});

describe('helpers', () => {
  test('Retry-After parsing and back-off', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'))).toBe(2000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(backoffDelay(3, 100, undefined, 10_000, () => 0.5)).toBe(400);
    expect(backoffDelay(3, 100, 5000, 1000)).toBe(1000);
    expect(backoffDelay(30, 100, undefined, 1000, () => 0.99)).toBe(1000);
  });
  test('redirect targets: relative, absolute, no downgrade, http(s) only', () => {
    const from = new URL('https://a.example/x/y?q=1');
    expect(String(redirectTarget(from, '../z'))).toBe('https://a.example/z');
    expect(String(redirectTarget(from, '//cdn.example/f'))).toBe('https://cdn.example/f');
    expect(String(redirectTarget(new URL('http://a.example/'), 'https://b.example/f'))).toBe('https://b.example/f');
    expect(redirectTarget(from, 'http://a.example/x')).toBe('refusing a redirect from https to http (http://a.example/x)');
    expect(redirectTarget(from, 'http://u:pw@a.example/x')).toBe('refusing a redirect from https to http (http://***@a.example/x)');
    expect(redirectTarget(from, 'file:///etc/passwd')).toBe('refusing a redirect to file: (file:///etc/passwd)');
    expect(redirectTarget(from, 'http://[::1')).toBe('redirect to an invalid location');
  });
  test('redaction', () => {
    expect(redactUrl('https://u:p@h.example/x')).toBe('https://***@h.example/x');
    expect(redactText('failed https://tok@h/x and http://a:b@c/')).toBe('failed https://***@h/x and http://***@c/');
  });
  test('no temp files remain after a run', async () => {
    server.fault('/a.bin', { kind: 'reset', times: 1, afterBytes: 10 });
    await pf.file({ urls: [`${server.url}/a.bin`], pkg: 'a' });
    expect(await readdir(join(dir, 'cache', 'tmp'))).toEqual([]);
  });
});
