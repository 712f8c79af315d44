// The content-addressed cache on its own: atomic entries, re-verification, sweeping what killed runs left.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
    await writeFile(b.path, 'other data');
    expect(await cache.lookupUrl('http://x/d')).toBeUndefined();
    expect(await readdir(join(b.path, '..'))).toEqual([]);
    const c = await put('more', 'http://x/m');
    await rm(c.path);
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
  test("a dead process's partial is claimed by one run only; a live process's is left alone", async () => {
    const url = 'http://x/big';
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const h = createHash('sha256').update(url).digest('hex');
    const base = join(root, 'partial', h.slice(0, 2), h);
    await mkdir(join(base, `${dead}-aa`), { recursive: true });
    await writeFile(join(base, `${dead}-aa`, 'data'), 'x'.repeat(100));
    await writeFile(join(base, `${dead}-aa`, 'meta.json'), JSON.stringify({ url, validator: '"e"', total: 1000 }));
    await mkdir(join(base, `${process.ppid}-bb`), { recursive: true });
    await writeFile(join(base, `${process.ppid}-bb`, 'data'), 'y');
    await writeFile(join(base, `${process.ppid}-bb`, 'meta.json'), JSON.stringify({ url, validator: '"e"', total: 1000 }));
    const [a, b] = await Promise.all([cache.claimPartial(url), new DownloadCache(root).claimPartial(url)]);
    const won = [a, b].filter(Boolean);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ bytes: 100, meta: { validator: '"e"', total: 1000 } });
    expect((await readdir(base)).sort()).toEqual([`${process.ppid}-bb`, won[0]!.data.split('/').at(-2)].sort());
    await cache.discard(won[0]!.data);
    expect(await readdir(base)).toEqual([`${process.ppid}-bb`]);
  });
});
