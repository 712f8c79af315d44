// HTTPS end to end with a throw-away CA: trust through SSL_CERT_FILE (as curl and Nix), no downgrade to http
// on a redirect, credentials dropped on a redirect to another https origin.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasTool, startServer, type FixtureServer } from '@lock2nix/fixtures';
import { FetchError, createPrefetcher, type PrefetcherOptions } from '../src/index.ts';

const run = promisify(execFile);

let dir: string;
let plain: FixtureServer;
let a: Server;
let b: Server;
let aUrl = '';
let bUrl = '';
const seen: Record<string, string | undefined> = {};

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** build with the test CA as NIX_SSL_CERT_FILE (which wins over SSL_CERT_FILE, as in Nix) */
function withCa<T>(fn: () => T, file = join(dir, 'cert.pem')): T {
  const old = process.env.NIX_SSL_CERT_FILE;
  process.env.NIX_SSL_CERT_FILE = file;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env.NIX_SSL_CERT_FILE;
    else process.env.NIX_SSL_CERT_FILE = old;
  }
}

const opts = (): PrefetcherOptions => ({ cacheDir: join(dir, `cache-${Math.random()}`), backoffMs: 5, retries: 2, netrcFile: join(dir, 'none') });

const haveOpenssl = hasTool('openssl', ['version']);
if (!haveOpenssl) console.log('https tests: skipped: openssl not installed');

(haveOpenssl ? describe : describe.skip)(`https${haveOpenssl ? '' : ' [skipped: openssl not installed]'}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lock2nix-https-'));
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const tls = { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) };
    plain = await startServer();
    plain.file('/f', 'plain http');
    a = createServer(tls, (req, res) => {
      seen.a = req.headers.authorization;
      if (req.url === '/dl') res.writeHead(200, { 'content-length': 6 }).end('secure');
      else if (req.url === '/down') res.writeHead(302, { location: `${plain.url}/f` }).end();
      else if (req.url === '/cross') res.writeHead(302, { location: `${bUrl}/f` }).end();
      else res.writeHead(404).end();
    });
    b = createServer(tls, (req, res) => {
      seen.b = req.headers.authorization;
      res.writeHead(200, { 'content-length': 5 }).end('other');
    });
    aUrl = await listen(a);
    bUrl = await listen(b);
  }, 60_000);
  afterAll(async () => {
    a?.closeAllConnections();
    b?.closeAllConnections();
    await new Promise((r) => a?.close(r));
    await new Promise((r) => b?.close(r));
    await plain?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a CA from SSL_CERT_FILE is trusted; without it the certificate is refused at once', async () => {
    const pf = withCa(() => createPrefetcher(opts()));
    expect((await pf.file({ urls: [`${aUrl}/dl`], pkg: 's' })).size).toBe(6);
    await pf.close();
    await writeFile(join(dir, 'roots.pem'), rootCertificates.join('\n'));
    const strict = withCa(() => createPrefetcher(opts()), join(dir, 'roots.pem'));
    const e = await strict.file({ urls: [`${aUrl}/dl`], pkg: 's 1' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FetchError);
    expect((e as Error).message).toMatch(new RegExp(`^s 1: cannot fetch ${aUrl}/dl: .*(self[- ]signed|certificate)`, 'i'));
    expect((e as Error).message).not.toMatch(/after \d+ attempts/);
    await strict.close();
  });

  test('a redirect from https to http is refused', async () => {
    const pf = withCa(() => createPrefetcher(opts()));
    await expect(pf.file({ urls: [`${aUrl}/down`], pkg: 'd' })).rejects.toThrow(`d: cannot fetch ${aUrl}/down: refusing a redirect from https to http (${plain.url}/f)`);
    expect(plain.log).toEqual([]);
    await pf.close();
  });

  test('credentials do not follow a redirect to another https origin', async () => {
    const pf = withCa(() => createPrefetcher(opts()));
    pf.authorize(`${aUrl}/`, { authorization: 'Bearer only-for-a' });
    expect((await pf.file({ urls: [`${aUrl}/cross`], pkg: 'c' })).size).toBe(5);
    expect(seen).toMatchObject({ a: 'Bearer only-for-a', b: undefined });
    await pf.close();
  });
});
