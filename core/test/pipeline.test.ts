// The pinning rules every converter shares, through the real pipeline, the real prefetcher and a loopback
// server: which stated hash may be emitted, when to download, what a mismatch says, what offline leaves.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, testWithTools, type FixtureServer } from '@lock2nix/fixtures';
import {
  CollectingReporter,
  convertText,
  createPrefetcher,
  HashMismatchError,
  isFetchedTree,
  LockfileError,
  PinError,
  type Artifact,
  type ConvertContext,
  type Converter,
  type StatedHash,
} from '../src/index.ts';

const hex = (algo: string, s: string) => createHash(algo).update(s).digest('hex');
const sri = (algo: string, s: string) => `${algo}-${createHash(algo).update(s).digest('base64')}`;

/**
 * A converter whose lockfile is JSON: [{ name, file, hashes: [[algo, meaning, body-to-hash]] }]; with
 * `archive`, the file is fetched as an archive and `nar` states its NAR hashes ([algo, hex]).
 */
function synthetic(base: string, verify?: Converter['verify']): Converter {
  return {
    ecosystem: 'cargo',
    title: 'Synthetic',
    lockfileNames: ['synthetic.json'],
    builder: 'cargo.nix',
    detect: () => true,
    parse: (file, text) => ({ ecosystem: 'cargo', file, format: 'synthetic', native: JSON.parse(text) as unknown }),
    async resolve(lock) {
      const entries = lock.native as { name: string; file?: string; archive?: boolean; hashes: [StatedHash['algo'], StatedHash['meaning'], string][]; nar?: [StatedHash['algo'], string][]; cache?: string }[];
      const artifacts: Artifact[] = entries.map((e, i) => ({
        key: e.name,
        name: e.name,
        version: '1.0.0',
        source: { kind: e.file ? 'registry' : 'path' },
        fetch: e.file ? { type: e.archive ? 'archive' : 'file', urls: [`${base}/${e.file}`], name: `${e.name}.tgz` } : { type: 'none', reason: 'local path' },
        hashes: [
          ...e.hashes.map(([algo, meaning, body]) => ({ algo, meaning, hex: hex(algo, body), field: 'hash' })),
          ...(e.nar ?? []).map(([algo, h]) => ({ algo, meaning: 'nar' as const, hex: h, field: 'narHash' })),
        ],
        cachePath: e.cache ?? `${e.name}.tgz`,
        line: i + 1,
      }));
      return { artifacts };
    },
    ...(verify ? { verify } : {}),
  };
}

const run = promisify(execFile);
let server: FixtureServer;
let cacheDir: string;
let treeDir: string;
const ctx = (offline: boolean): ConvertContext => ({
  projectDir: '/nonexistent',
  offline,
  prefetcher: createPrefetcher({ cacheDir, offline }),
  reporter: new CollectingReporter(),
  env: {},
});

beforeAll(async () => {
  server = await startServer();
  server.file('/a.tgz', 'AAA');
  server.file('/b.tgz', 'BBB');
  server.file('/c.tgz', 'CCC');
  cacheDir = await mkdtemp(join(tmpdir(), 'lock2nix-pipeline-'));
  // an archive with one top folder, and the tree a fetchzip-like unpack makes of it
  treeDir = join(cacheDir, 'src', 'pkg-1.0.0');
  await mkdir(join(treeDir, 'lib'), { recursive: true });
  await writeFile(join(treeDir, 'package.json'), '{"name":"t"}\n');
  await writeFile(join(treeDir, 'lib', 'run.sh'), 'echo\n', { mode: 0o755 });
  await run('tar', ['-czf', join(cacheDir, 't.tar.gz'), '-C', join(cacheDir, 'src'), 'pkg-1.0.0']);
  server.file('/t.tar.gz', await readFile(join(cacheDir, 't.tar.gz')));
});
afterAll(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('pinning rules', () => {
  test('offline: a sha256/sha512 file hash is emitted as it is, with no download', async () => {
    const lock = JSON.stringify([{ name: 'a', file: 'a.tgz', hashes: [['sha512', 'file', 'AAA']] }]);
    const before = server.log.length;
    const r = await convertText(synthetic(server.url), 'synthetic.json', lock, ctx(true));
    expect(server.log.length).toBe(before);
    expect(r.artifacts[0]!.pin).toEqual({ hash: sri('sha512', 'AAA'), by: 'lockfile' });
    expect(r.unpinned).toEqual([]);
  });

  test('offline: sha1-only and ecosystem-only entries stay unpinned and throw', async () => {
    const lock = JSON.stringify([
      { name: 'b', file: 'b.tgz', hashes: [['sha1', 'file', 'BBB']] },
      { name: 'c', file: 'c.tgz', hashes: [['sha512', 'ecosystem', 'whatever']] },
    ]);
    const r = await convertText(synthetic(server.url, async () => {}), 'synthetic.json', lock, ctx(true));
    expect(r.unpinned.map((a) => a.name)).toEqual(['b', 'c']);
    const data = JSON.parse(r.text) as { artifacts: Record<string, { fetch: Record<string, unknown>; unpinned?: string }> };
    const b = Object.values(data.artifacts).find((a) => a.unpinned?.includes(' b 1.0.0 '))!;
    expect(b.unpinned).toBe('lock2nix: cargo package b 1.0.0 is not pinned yet; run `lock2nix cargo` without --offline to pin it');
    expect(b.fetch).not.toHaveProperty('hash');
  });

  test('online: downloads, checks every stated hash, upgrades sha1 to sha256', async () => {
    const lock = JSON.stringify([
      { name: 'a', file: 'a.tgz', hashes: [['sha512', 'file', 'AAA'], ['sha1', 'file', 'AAA']] },
      { name: 'b', file: 'b.tgz', hashes: [['sha1', 'file', 'BBB']] },
      { name: 'local', hashes: [] },
    ]);
    const r = await convertText(synthetic(server.url), 'synthetic.json', lock, ctx(false));
    const byName = Object.fromEntries(r.artifacts.map((a) => [a.name, a.pin]));
    expect(byName.a).toEqual({ hash: sri('sha512', 'AAA'), by: 'download' });
    expect(byName.b).toEqual({ hash: sri('sha256', 'BBB'), by: 'download' });
    expect(byName.local).toBeUndefined();
    expect(r.unpinned).toEqual([]);
  });

  test('offline after an online run: the cache pins what the lockfile cannot', async () => {
    const lock = JSON.stringify([{ name: 'b', file: 'b.tgz', hashes: [['sha1', 'file', 'BBB']] }]);
    const r = await convertText(synthetic(server.url), 'synthetic.json', lock, ctx(true));
    expect(r.artifacts[0]!.pin).toEqual({ hash: sri('sha256', 'BBB'), by: 'download' });
  });

  test('a mismatch names the package, URL, expected and actual hash', async () => {
    const lock = JSON.stringify([{ name: 'c', file: 'c.tgz', hashes: [['sha256', 'file', 'not CCC']] }]);
    const err = await convertText(synthetic(server.url), 'synthetic.json', lock, ctx(false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashMismatchError);
    const m = (err as Error).message;
    expect(m).toContain('c 1.0.0');
    expect(m).toContain(`${server.url}/c.tgz`);
    expect(m).toContain(sri('sha256', 'not CCC'));
    expect(m).toContain(sri('sha256', 'CCC'));
  });

  test('ecosystem hashes go through the converter verify step, and its mismatch stops the run', async () => {
    const seen: string[] = [];
    const conv = synthetic(server.url, async (a, f) => {
      if (isFetchedTree(f)) throw new Error('a file fetch was given a tree');
      seen.push(`${a.name}:${f.digests.sha256}`);
      if (a.name === 'c') throw new HashMismatchError(a.name, f.url, 'content-expected', 'content-actual', 'content hash');
    });
    const ok = JSON.stringify([{ name: 'a', file: 'a.tgz', hashes: [['sha512', 'ecosystem', 'x']] }]);
    const r = await convertText(conv, 'synthetic.json', ok, ctx(false));
    expect(r.artifacts[0]!.pin).toEqual({ hash: sri('sha256', 'AAA'), by: 'download' });
    expect(seen).toEqual([`a:${hex('sha256', 'AAA')}`]);
    const bad = JSON.stringify([{ name: 'c', file: 'c.tgz', hashes: [['sha512', 'ecosystem', 'x']] }]);
    await expect(convertText(conv, 'synthetic.json', bad, ctx(false))).rejects.toThrow(/content hash mismatch/);
  });

  testWithTools(['nix-hash'], 'a stated NAR hash is compared whatever its algorithm (sha1, sha256, sha512), as nix-hash computes it', async () => {
    const nixHash = async (algo: string) => (await run('nix-hash', ['--type', algo, treeDir])).stdout.trim();
    const good = await Promise.all((['sha1', 'sha256', 'sha512'] as const).map(async (algo) => [algo, await nixHash(algo)] as [StatedHash['algo'], string]));
    const ok = await convertText(synthetic(server.url), 'synthetic.json', JSON.stringify([{ name: 't', file: 't.tar.gz', archive: true, hashes: [], nar: good }]), ctx(false));
    expect(ok.artifacts[0]!.pin).toEqual({ hash: `sha256-${Buffer.from(good[1]![1], 'hex').toString('base64')}`, by: 'download' });
    for (const algo of ['sha1', 'sha512'] as const) {
      const wrong = good.map(([a, h]): [StatedHash['algo'], string] => [a, a === algo ? '0'.repeat(h.length) : h]);
      const err = await convertText(synthetic(server.url), 'synthetic.json', JSON.stringify([{ name: 't', file: 't.tar.gz', archive: true, hashes: [], nar: wrong }]), ctx(false)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HashMismatchError);
      const m = err as HashMismatchError;
      expect(m.pkg).toBe('t 1.0.0');
      expect(m.url).toBe(`${server.url}/t.tar.gz`);
      expect(m.expected).toBe(`${algo}-${Buffer.alloc(algo === 'sha1' ? 20 : 64).toString('base64')}`);
      expect(m.actual).toBe(`${algo}-${Buffer.from(await nixHash(algo), 'hex').toString('base64')}`);
      expect(m.message).toContain(`NAR, ${algo}`);
    }
  });

  test('a fetched tree goes through verify (the unpacked folder and its URL); mismatches of several are all named', async () => {
    const seen: string[] = [];
    const conv = synthetic(server.url, async (a, f) => {
      if (!isFetchedTree(f)) throw new Error('an archive fetch was given a file');
      seen.push(`${a.name}:${f.url}:${await readFile(join(f.dir, 'package.json'), 'utf8')}`);
      if (a.name !== 'ok') throw new HashMismatchError(a.name, f.url, 'tree-expected', 'tree-actual', 'tree checksum');
    });
    const entry = (name: string) => ({ name, file: 't.tar.gz', archive: true, hashes: [] });
    const r = await convertText(conv, 'synthetic.json', JSON.stringify([entry('ok')]), ctx(false));
    expect(r.artifacts[0]!.pin?.by).toBe('download');
    expect(seen).toEqual([`ok:${server.url}/t.tar.gz:{"name":"t"}\n`]);
    const err = await convertText(conv, 'synthetic.json', JSON.stringify([entry('x'), entry('y')]), ctx(false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PinError);
    const errors = (err as PinError).errors as HashMismatchError[];
    expect(errors.map((e) => [e.pkg, e.url, e.expected, e.actual])).toEqual([['x', `${server.url}/t.tar.gz`, 'tree-expected', 'tree-actual'], ['y', `${server.url}/t.tar.gz`, 'tree-expected', 'tree-actual']]);
    // offline, nothing is fetched, so nothing can be verified: unpinned
    const off = await convertText(conv, 'synthetic.json', JSON.stringify([entry('ok')]), ctx(true));
    expect(off.unpinned.map((a) => a.name)).toEqual(['ok']);
  });

  test('two entries that would share a cache name are caught, naming both', async () => {
    const lock = JSON.stringify([
      { name: 'a', file: 'a.tgz', hashes: [['sha256', 'file', 'AAA']], cache: 'same.tgz' },
      { name: 'b', file: 'b.tgz', hashes: [['sha256', 'file', 'BBB']], cache: 'same.tgz' },
    ]);
    const err = await convertText(synthetic(server.url), 'synthetic.json', lock, ctx(true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockfileError);
    expect((err as Error).message).toMatch(/a 1\.0\.0 and b 1\.0\.0 would share the name "same\.tgz"/);
  });

  test('a cache name that would leave its folder is refused', async () => {
    for (const cache of ['../evil.tgz', '/etc/passwd', 'a/../../b', 'a//b', 'x\\y']) {
      const lock = JSON.stringify([{ name: 'a', file: 'a.tgz', hashes: [['sha256', 'file', 'AAA']], cache }]);
      await expect(convertText(synthetic(server.url), 'synthetic.json', lock, ctx(true))).rejects.toBeInstanceOf(LockfileError);
    }
  });

  test('same input, byte-identical output, whatever the order of the entries', async () => {
    const entries = [
      { name: 'b', file: 'b.tgz', hashes: [['sha256', 'file', 'BBB']] },
      { name: 'a', file: 'a.tgz', hashes: [['sha512', 'file', 'AAA']] },
    ];
    const one = await convertText(synthetic(server.url), 'synthetic.json', JSON.stringify(entries), ctx(true));
    const two = await convertText(synthetic(server.url), 'synthetic.json', JSON.stringify(entries), ctx(true));
    expect(one.text).toBe(two.text);
    const artifacts = one.text.slice(one.text.indexOf('\n  "artifacts": {\n'));
    const keys = [...artifacts.matchAll(/^ {4}"(\w+)": \{$/gm)].map((m) => m[1]);
    expect(keys).toEqual(['a', 'b']);
  });
});

describe('credentials', () => {
  test('stripCredentials removes http(s) userinfo and other schemes\' passwords, byte for byte otherwise', async () => {
    const { stripCredentials } = await import('../src/index.ts');
    expect(stripCredentials('https://user:tok@h.example/a%20b?x=1#y')).toBe('https://h.example/a%20b?x=1#y');
    expect(stripCredentials('git+https://TOKEN@github.com/o/r.git#abc')).toBe('git+https://github.com/o/r.git#abc');
    expect(stripCredentials('ssh://git@github.com/o/r')).toBe('ssh://git@github.com/o/r');
    expect(stripCredentials('git+ssh://git:pw@host/r')).toBe('git+ssh://git@host/r');
    expect(stripCredentials('see https://a:b@x/1 and http://c@y/2')).toBe('see https://x/1 and http://y/2');
    expect(stripCredentials('mailto:someone@example.org')).toBe('mailto:someone@example.org');
  });
});
