// `lock2nix prefetch` prints what the real nix-prefetch-url prints; the terminal reporter's three modes.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NIX_ENV, startServer, testWithTools, type FixtureServer } from '@lock2nix/fixtures';
import { main, type Io } from '../src/main.ts';
import { makeReporter } from '../src/terminal.ts';

const run = promisify(execFile);

let server: FixtureServer;
let dir: string;

function io(over: Partial<Io> = {}): Io & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    isTTY: false,
    env: { XDG_CACHE_HOME: join(dir, 'xdg') } as Record<string, string | undefined>,
    cwd: dir,
    out: (s: string) => void (o.stdout += s),
    err: (s: string) => void (o.stderr += s),
    ...over,
  };
  return o;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-prefetch-cmd-'));
  server = await startServer();
  server.file('/dl/hello.txt', 'hello\n');
  await mkdir(join(dir, 'src', 'pkg-1.0', 'bin'), { recursive: true });
  await writeFile(join(dir, 'src', 'pkg-1.0', 'README'), 'readme\n');
  await writeFile(join(dir, 'src', 'pkg-1.0', 'bin', 'x'), '#!/bin/sh\n', { mode: 0o755 });
  await run('tar', ['-czf', join(dir, 'pkg.tar.gz'), '-C', join(dir, 'src'), 'pkg-1.0']);
  server.file('/dl/pkg-1.0.tar.gz', await readFile(join(dir, 'pkg.tar.gz')));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function nixPrefetch(args: string[]): Promise<{ stdout: string; stderr: string }> {
  for (let i = 1; ; i++) {
    try {
      return await run('nix-prefetch-url', args, { env: NIX_ENV });
    } catch (e) {
      // a builder SIGKILLed from outside happens on the shared machine; anything else is a real failure
      if (i >= 3 || !/signal 9/.test(String((e as { stderr?: string }).stderr))) throw e;
    }
  }
}

describe('lock2nix prefetch', () => {
  const cases: [string, string[]][] = [
    ['a file', ['/dl/hello.txt']],
    ['a file, sha512', ['/dl/hello.txt', '--type', 'sha512']],
    ['a file, --print-path', ['/dl/hello.txt', '--print-path']],
    ['a tarball, --unpack', ['/dl/pkg-1.0.tar.gz', '--unpack']],
    ['a tarball, --unpack --type sha1 --name src', ['/dl/pkg-1.0.tar.gz', '--unpack', '--type', 'sha1', '--name', 'src']],
  ];
  for (const [what, [path, ...flags]] of cases) {
    testWithTools(['nix-prefetch-url'], `prints what nix-prefetch-url prints: ${what}`, async () => {
      const url = `${server.url}${path}`;
      const real = await nixPrefetch([url, ...flags]);
      const o = io();
      expect(await main(['prefetch', url, ...flags], o)).toBe(0);
      expect(o.stdout).toBe(real.stdout);
      const pathLine = (s: string) => s.split('\n').filter((l) => l.startsWith('path is '));
      expect(pathLine(o.stderr)).toEqual(pathLine(real.stderr));
    }, 60_000);
  }

  test('known results, without Nix', async () => {
    const o = io();
    expect(await main(['prefetch', `${server.url}/dl/hello.txt`], o)).toBe(0);
    expect(o.stdout).toBe('00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq\n');
    expect(o.stderr).toMatch(/^path is '\/nix\/store\/[0-9a-z]{32}-hello\.txt'\n$/);
    const s = io();
    expect(await main(['prefetch', `${server.url}/dl/hello.txt`, '--sri'], s)).toBe(0);
    expect(s.stdout).toBe('sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=\n');
  });

  test('a wrong expected hash, a 404 and a bad URL fail with the URL and the cause', async () => {
    const a = io();
    expect(await main(['prefetch', `${server.url}/dl/hello.txt`, 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='], a)).toBe(1);
    expect(a.stderr).toContain(`hello.txt: hash mismatch for ${server.url}/dl/hello.txt`);
    const b = io();
    expect(await main(['prefetch', `${server.url}/dl/missing.txt`], b)).toBe(1);
    expect(b.stderr).toBe(`lock2nix: missing.txt: cannot fetch ${server.url}/dl/missing.txt: HTTP 404\n`);
    const c = io();
    expect(await main(['prefetch', `http://user:secret@127.0.0.1:${server.port}/dl/missing.txt`], c)).toBe(1);
    expect(c.stderr).not.toContain('secret');
    const d = io();
    expect(await main(['prefetch', `${server.url}/`], d)).toBe(2);
  });

  test('like nix-prefetch-url, a URL is downloaded again (its content may have changed); an expected hash answers from the cache', async () => {
    const o = io();
    await main(['prefetch', `${server.url}/dl/hello.txt`], o);
    const n = server.log.length;
    const p = io();
    expect(await main(['prefetch', `${server.url}/dl/hello.txt`], p)).toBe(0);
    expect(p.stdout).toBe(o.stdout);
    expect(server.log.length).toBe(n + 1);
    const q = io();
    expect(await main(['prefetch', `${server.url}/dl/hello.txt`, o.stdout.trim()], q)).toBe(0);
    expect(q.stdout).toBe(o.stdout);
    expect(server.log.length).toBe(n + 1);
  });
});

describe('terminal reporter', () => {
  const events = (r: ReturnType<typeof makeReporter>) => {
    r.report({ type: 'fetch-start', url: 'http://x/a', pkg: 'a 1' });
    r.report({ type: 'retry', url: 'http://x/a', pkg: 'a 1', attempt: 2, delayMs: 1500, cause: 'HTTP 503' });
    r.report({ type: 'fetch-done', url: 'http://x/a', pkg: 'a 1', bytes: 2048, cached: false });
    for (let i = 1; i <= 20; i++) r.report({ type: 'progress', done: i, total: 20, label: `p${i}` });
    r.report({ type: 'warn', message: 'careful' });
    r.done();
  };

  test('a bar on a terminal, redrawn in place, cleared at the end', () => {
    let t = 0;
    const o = io({ isTTY: true, env: { NO_COLOR: '1' } });
    events(makeReporter({ io: o, quiet: false, verbose: false, now: () => (t += 30), columns: 100 }));
    expect(o.stderr).toContain('retrying http://x/a (a 1, attempt 2) in 1.5 s: HTTP 503\n');
    expect(o.stderr).toContain('\r\x1b[2K[##############################] 20/20 (2.0 KiB, 1 retried) p20');
    expect(o.stderr).toContain('warning: careful\n');
    expect(o.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(o.stderr.split('\n').every((l) => l.length < 400)).toBe(true);
  });

  test('plain lines otherwise, no escape codes', () => {
    const o = io();
    events(makeReporter({ io: o, quiet: false, verbose: false }));
    expect(o.stderr).not.toContain('\x1b');
    expect(o.stderr).toBe(
      'retrying http://x/a (a 1, attempt 2) in 1.5 s: HTTP 503\n' +
        Array.from({ length: 10 }, (_, i) => `pinned ${(i + 1) * 2}/20\n`).join('') +
        'warning: careful\n',
    );
  });

  test('a failed download leaves the bar\'s count of downloads and shows as failed', () => {
    let t = 0;
    const o = io({ isTTY: true, env: { NO_COLOR: '1' } });
    const r = makeReporter({ io: o, quiet: false, verbose: false, now: () => (t += 30), columns: 100 });
    r.report({ type: 'fetch-start', url: 'http://x/a', pkg: 'a 1' });
    r.report({ type: 'fetch-start', url: 'http://x/b', pkg: 'b 1' });
    r.report({ type: 'fetch-failed', url: 'http://x/b', pkg: 'b 1', cause: 'HTTP 404' });
    r.report({ type: 'progress', done: 2, total: 2, label: 'b 1' });
    expect(o.stderr.split('\r').at(-1)).toContain('2/2 (1 downloading, 1 failed) b 1');
    const v = io();
    const rv = makeReporter({ io: v, quiet: false, verbose: true });
    rv.report({ type: 'fetch-failed', url: 'http://x/b', pkg: 'b 1', cause: 'HTTP 404' });
    expect(v.stderr).toBe('failed  http://x/b (b 1): HTTP 404\n');
  });

  test('nothing with --quiet, even on a terminal', () => {
    const o = io({ isTTY: true });
    events(makeReporter({ io: o, quiet: true, verbose: false }));
    expect(o.stderr).toBe('');
  });
});
