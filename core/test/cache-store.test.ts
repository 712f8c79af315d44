// The content-addressed cache on its own: atomic entries, re-verification, sweeping what killed runs left.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DownloadCache, hashFile } from '../src/fetch/cache.ts';
import { buildTree, readTree } from '../src/fetch/trees.ts';

let root: string;
let cache: DownloadCache;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lock2nix-cache-'));
  cache = new DownloadCache(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(content: string, url?: string) {
  const tmp = await cache.tempPath();
  await writeFile(tmp, content);
  return cache.commitBlob(tmp, await hashFile(tmp), url);
}

describe('download cache', () => {
  test('a blob is found by URL and by each digest, and is named by its sha256', async () => {
    const b = await put('hello\n', 'http://x/hello');
    expect(b.path.endsWith(b.digests.sha256)).toBe(true);
    expect((await cache.lookupUrl('http://x/hello'))?.path).toBe(b.path);
    expect((await cache.lookupDigest('sha1', b.digests.sha1))?.path).toBe(b.path);
    expect((await cache.lookupDigest('sha512', b.digests.sha512.toUpperCase()))?.path).toBe(b.path);
    expect(await cache.lookupDigest('sha256', '0'.repeat(64))).toBeUndefined();
    expect(await cache.lookupUrl('http://x/other')).toBeUndefined();
  });

  test('a corrupt blob is evicted on read; an index pointing nowhere or unreadable is a miss', async () => {
    const b = await put('data', 'http://x/d');
    await writeFile(b.path, 'other data'); // in place: the digest entries (links of the blob) change too
    expect(await cache.lookupUrl('http://x/d')).toBeUndefined();
    expect(await readdir(join(b.path, '..'))).toEqual([]);
    expect(await cache.lookupDigest('sha512', b.digests.sha512)).toBeUndefined();
    expect(existsSync(join(root, 'digests', 'sha512', b.digests.sha512))).toBe(false);
    const c = await put('more', 'http://x/m');
    await rm(c.path);
    // the digest entry still holds the intact bytes: the blob's name is put back
    expect((await cache.lookupDigest('sha1', c.digests.sha1))?.path).toBe(c.path);
    expect(await readFile(c.path, 'utf8')).toBe('more');
    // a blob replaced by other bytes under its name (not the same file as the entry) is verified on its own
    await rm(c.path);
    await writeFile(c.path, 'not more');
    expect(await cache.lookupDigest('sha512', c.digests.sha512)).toBeUndefined();
    await rm(join(root, 'digests', 'sha1', c.digests.sha1));
    expect(await cache.lookupDigest('sha1', c.digests.sha1)).toBeUndefined();
    const h = createHash('sha256').update('http://x/m').digest('hex');
    await writeFile(join(root, 'index', 'url', h.slice(0, 2), h), '{not json');
    expect(await cache.lookupUrl('http://x/m')).toBeUndefined();
  });

  test('the same content committed twice at once leaves one intact blob', async () => {
    const [a, b] = await Promise.all([put('same', 'http://a/1'), put('same', 'http://b/1')]);
    expect(a.path).toBe(b.path);
    expect(await readFile(a.path, 'utf8')).toBe('same');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  test('temp files of dead processes are swept; those of live ones are kept', async () => {
    await mkdir(join(root, 'tmp'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    await writeFile(join(root, 'tmp', `${deadPid}-aaaa`), 'partial');
    await mkdir(join(root, 'tmp', `${deadPid}-bbbb.tree`, 'tree'), { recursive: true });
    await writeFile(join(root, 'tmp', `${process.ppid}-cccc`), 'in use by a live process');
    await writeFile(join(root, 'tmp', 'junk'), 'no owner');
    await new DownloadCache(root).sweep();
    expect(await readdir(join(root, 'tmp'))).toEqual([`${process.ppid}-cccc`]);
  });
});

describe('tree cache', () => {
  test('a tree appears whole, is re-verified on read, and a damaged one is evicted', async () => {
    const t = await buildTree(cache, 'test', 'k1', async (_work, tree) => {
      await mkdir(join(tree, 'sub'), { recursive: true });
      await writeFile(join(tree, 'sub', 'f'), 'x');
    });
    expect(t.narHash).toMatch(/^sha256-/);
    expect(await readTree(cache, 'test', 'k1')).toEqual(t);
    expect(await readTree(cache, 'test', 'k2')).toBeUndefined();
    await writeFile(join(t.dir, 'sub', 'f'), 'y');
    expect(await readTree(cache, 'test', 'k1')).toBeUndefined();
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  test('a failed build leaves nothing behind; a concurrent build of the same key uses the first', async () => {
    await expect(buildTree(cache, 'test', 'bad', async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    const build = (text: string) => buildTree(cache, 'test', 'same', async (_w, tree) => {
      await mkdir(tree);
      await writeFile(join(tree, 'f'), text);
    });
    const [a, b] = await Promise.all([build('one'), build('one')]);
    expect(a).toEqual(b);
  });
});

describe('partial downloads', () => {
  const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const b64 = (s: string) => Buffer.from(s).toString('base64url');

  test("a dead process's partial is claimed by one run only; a live process's is left alone", async () => {
    const url = 'http://x/big';
    const dead = deadPid();
    const h = createHash('sha256').update(url).digest('hex');
    const base = join(root, 'partial');
    await mkdir(base, { recursive: true });
    await writeFile(join(base, `${dead}-aa.${h}.1000.${b64('"e"')}`), 'x'.repeat(100));
    const live = `${process.ppid}-bb.${h}.1000.${b64('"e"')}`;
    await writeFile(join(base, live), 'y');
    const [a, b] = await Promise.all([cache.claimPartial(url), new DownloadCache(root).claimPartial(url)]);
    const won = [a, b].filter(Boolean);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ bytes: 100, meta: { url, validator: '"e"', total: 1000 } });
    expect((await readdir(base)).sort()).toEqual([live, won[0]!.data.split('/').at(-1)].sort());
    expect(await cache.claimPartial('http://x/other')).toBeUndefined();
    await cache.discard(won[0]!.data);
    expect(await readdir(base)).toEqual([live]);
  });

  test('a new partial is named after its URL, size and validator; one without data or a week old is swept', async () => {
    const url = 'http://x/p';
    const p = await cache.partialPath(url, { validator: 'W/"odd.name/ü"', total: 5000 });
    expect(p).toBeDefined();
    await writeFile(p!, 'z'.repeat(10));
    expect(await cache.partialPath(url, { validator: 'x'.repeat(300), total: 5000 })).toBeUndefined();
    // the same file, left by a dead process: another run resumes it with the validator it was written with
    const dead = deadPid();
    const left = join(root, 'partial', p!.split('/').at(-1)!.replace(/^\d+-/, `${dead}-`));
    await rename(p!, left);
    const other = new DownloadCache(root);
    expect(await other.claimPartial(url)).toMatchObject({ bytes: 10, meta: { url, validator: 'W/"odd.name/ü"', total: 5000 } });
    const h = createHash('sha256').update('http://x/q').digest('hex');
    const empty = join(root, 'partial', `${dead}-cc.${h}.10.${b64('e')}`);
    const old = join(root, 'partial', `${dead}-dd.${h}.10.${b64('e')}`);
    const kept = join(root, 'partial', `${dead}-ee.${h}.10.${b64('e')}`);
    await writeFile(empty, '');
    await writeFile(old, 'abc');
    await utimes(old, new Date(Date.now() - 8 * 24 * 3600 * 1000), new Date(Date.now() - 8 * 24 * 3600 * 1000));
    await writeFile(kept, 'abc');
    await new DownloadCache(root).sweep();
    expect(existsSync(empty)).toBe(false);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(kept)).toBe(true);
  });

  test("the older layout (partial/ab/<url>/<pid>-<random>/{data,meta.json}) is never resumed, and a dead run's empty folder is swept", async () => {
    const url = 'http://x/older';
    const dead = deadPid();
    const h = createHash('sha256').update(url).digest('hex');
    const base = join(root, 'partial', h.slice(0, 2), h);
    await mkdir(join(base, `${dead}-aa`), { recursive: true });
    await writeFile(join(base, `${dead}-aa`, 'data'), 'x'.repeat(100));
    await writeFile(join(base, `${dead}-aa`, 'meta.json'), JSON.stringify({ url, validator: '"e"', total: 1000 }));
    await mkdir(join(base, `${dead}-bb`), { recursive: true });
    expect(await cache.claimPartial(url)).toBeUndefined();
    await cache.sweep();
    expect(await readdir(base)).toEqual([`${dead}-aa`]);
  });
});

describe('compatibility', () => {
  test('index entries written by the older layout are read; one naming another URL or garbage is a miss', async () => {
    const body = 'older entry';
    const d = Object.fromEntries((['sha1', 'sha256', 'sha512'] as const).map((a) => [a, createHash(a).update(body).digest('hex')])) as Record<'sha1' | 'sha256' | 'sha512', string>;
    const blob = join(root, 'blobs', 'sha256', d.sha256.slice(0, 2), d.sha256);
    await mkdir(join(blob, '..'), { recursive: true });
    await writeFile(blob, body);
    const url = 'http://x/older';
    const h = createHash('sha256').update(url).digest('hex');
    await mkdir(join(root, 'index', 'url', h.slice(0, 2)), { recursive: true });
    await writeFile(join(root, 'index', 'url', h.slice(0, 2), h), JSON.stringify({ url, sha256: d.sha256, size: body.length }));
    await mkdir(join(root, 'index', 'sha512', d.sha512.slice(0, 2)), { recursive: true });
    await writeFile(join(root, 'index', 'sha512', d.sha512.slice(0, 2), d.sha512), d.sha256);
    expect((await cache.lookupUrl(url))?.digests).toEqual(d);
    expect((await cache.lookupDigest('sha512', d.sha512))?.path).toBe(blob);
    expect(await cache.lookupDigest('sha1', d.sha1)).toBeUndefined();
    expect(await cache.lookupDigest('sha1', '../../x')).toBeUndefined();
    // a URL entry that names another URL (or is not an object) is not trusted
    await writeFile(join(root, 'index', 'url', h.slice(0, 2), h), JSON.stringify({ url: 'http://x/else', sha256: d.sha256, size: 1 }));
    expect(await cache.lookupUrl(url)).toBeUndefined();
    await writeFile(join(root, 'index', 'url', h.slice(0, 2), h), 'null');
    expect(await cache.lookupUrl(url)).toBeUndefined();
    // an older digest entry that does not name a blob of that digest is a miss
    await writeFile(join(root, 'index', 'sha512', d.sha512.slice(0, 2), d.sha512), 'garbage');
    expect(await cache.lookupDigest('sha512', d.sha512)).toBeUndefined();
    // committing the same bytes again puts the blob in the current layout (blobs/sha256/<sha256>) and links it as
    // both digest entries; a URL is indexed by a record
    await put(body, url);
    const flat = join(root, 'blobs', 'sha256', d.sha256);
    const record = { url, sha256: d.sha256, size: body.length, sha1: d.sha1, sha512: d.sha512 };
    expect(JSON.parse(await readFile(join(root, 'index', 'url', h.slice(0, 2), h), 'utf8'))).toEqual(record);
    expect((await stat(join(root, 'digests', 'sha1', d.sha1))).ino).toBe((await stat(flat)).ino);
    expect((await stat(join(root, 'digests', 'sha512', d.sha512))).ino).toBe((await stat(flat)).ino);
    expect((await cache.lookupDigest('sha1', d.sha1))?.path).toBe(flat);
    expect((await cache.lookupDigest('sha512', d.sha512))?.path).toBe(flat);
    // a digest entry with other bytes is removed on read, and linked again by the next commit
    await rm(join(root, 'digests', 'sha1', d.sha1));
    await writeFile(join(root, 'digests', 'sha1', d.sha1), 'broken');
    expect(await cache.lookupDigest('sha1', d.sha1)).toBeUndefined();
    expect(existsSync(join(root, 'digests', 'sha1', d.sha1))).toBe(false);
    const tmp = await cache.tempPath();
    await writeFile(tmp, body);
    await cache.commitBlob(tmp, await hashFile(tmp), undefined);
    expect((await cache.lookupDigest('sha1', d.sha1))?.path).toBe(flat);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  test('a blob in the sharded layout (blobs/sha256/ab/<sha256>) and digest entries linking it are read', async () => {
    const body = 'sharded blob';
    const d = Object.fromEntries((['sha1', 'sha256', 'sha512'] as const).map((a) => [a, createHash(a).update(body).digest('hex')])) as Record<'sha1' | 'sha256' | 'sha512', string>;
    const blob = join(root, 'blobs', 'sha256', d.sha256.slice(0, 2), d.sha256);
    await mkdir(join(blob, '..'), { recursive: true });
    await writeFile(blob, body);
    await mkdir(join(root, 'digests', 'sha512'), { recursive: true });
    await link(blob, join(root, 'digests', 'sha512', d.sha512));
    expect((await cache.lookupDigest('sha256', d.sha256))?.path).toBe(blob);
    const b = await cache.lookupDigest('sha512', d.sha512, []);
    expect(b?.path).toBe(blob);
    expect(b?.digests.sha1).toBe(d.sha1);
    expect(existsSync(join(root, 'blobs', 'sha256', d.sha256))).toBe(false);
    // a corrupt sharded blob is evicted like any other
    await rm(blob);
    await writeFile(blob, 'other bytes');
    expect(await cache.lookupDigest('sha256', d.sha256)).toBeUndefined();
    expect(existsSync(blob)).toBe(false);
  });
});
