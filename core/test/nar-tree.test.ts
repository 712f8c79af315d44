// The in-memory tree: reference vectors, byte order of names, builder rules, fetchzip's stripRoot.

import { describe, expect, test } from 'vitest';
import {
  Lock2nixError, TreeBuilder, byteName, bytesFile, emptyDirectory, splitMemberPath, stripRoot, symlinkNode, treeNarHash,
  type TreeDirectory, type TreeNode,
} from '../src/index.ts';

const dir = (entries: Record<string, TreeNode>): TreeDirectory => ({ type: 'directory', entries: new Map(Object.entries(entries).map(([k, v]) => [byteName(k), v])) });

describe('tree NAR', () => {
  test('reference vectors: a file "hello\\n" and an empty folder', async () => {
    expect(await treeNarHash(bytesFile('hello\n'))).toBe('sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM=');
    expect(await treeNarHash(emptyDirectory())).toBe('sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=');
  });

  test('names are ordered by UTF-8 bytes whatever order they were added in', async () => {
    const names = ['\uFFFD', '😀', 'Z', 'a', 'é', 'a.b', 'a-b', 'a', 'A'];
    const one = dir(Object.fromEntries(names.map((n) => [n, bytesFile(n)])));
    const other = dir(Object.fromEntries([...names].reverse().map((n) => [n, bytesFile(n)])));
    expect(await treeNarHash(one)).toBe(await treeNarHash(other));
    // in UTF-16 code units '😀' (D83D DE00) sorts before U+FFFD; in UTF-8 bytes U+FFFD (EF BF BD) comes
    // before '😀' (F0 9F 98 80), and NAR uses the bytes
    expect('😀' < '\uFFFD').toBe(true);
    expect([...one.entries.keys()].sort().map((k) => Buffer.from(k, 'latin1').toString())).toEqual(['A', 'Z', 'a', 'a-b', 'a.b', 'é', '\uFFFD', '😀']);
  });

  test('empty symlink targets are refused', async () => {
    await expect(treeNarHash(dir({ l: symlinkNode('') }))).rejects.toThrow(Lock2nixError);
  });

  test('a file whose stream is shorter than its size is an error', async () => {
    const short: TreeNode = { type: 'regular', executable: false, size: 3, contents: async function* () { yield Buffer.from('ab'); } };
    await expect(treeNarHash(short)).rejects.toThrow(/expected 3 bytes, read 2/);
  });
});

describe('TreeBuilder and member paths', () => {
  test('member paths: ./ and / dropped, . and empty parts dropped, .. refused', () => {
    expect(splitMemberPath('./a//b/./c/')).toEqual(['a', 'b', 'c']);
    expect(splitMemberPath('/abs/x')).toEqual(['abs', 'x']);
    expect(splitMemberPath('./')).toEqual([]);
    expect(() => splitMemberPath('a/../b')).toThrow(/\.\./);
    expect(() => splitMemberPath('x'.repeat(256))).toThrow(/255/);
    expect(splitMemberPath('é')).toEqual([Buffer.from('é').toString('latin1')]);
  });

  test('implicit parents, last duplicate wins, folders merge, nothing below a symlink', () => {
    const b = new TreeBuilder();
    b.add(splitMemberPath('a/b/c'), bytesFile('1'));
    b.add(splitMemberPath('a/b/c'), bytesFile('2', true));
    b.add(splitMemberPath('a/d'), emptyDirectory());
    b.add(splitMemberPath('a/d/e'), bytesFile('e'));
    b.add(splitMemberPath('a/d'), emptyDirectory()); // a later folder entry keeps what is inside
    b.add(splitMemberPath('a/l'), symlinkNode('b'));
    const c = b.get(['a', 'b', 'c']);
    expect(c).toMatchObject({ type: 'regular', executable: true, size: 1 });
    expect((b.get(['a', 'd']) as TreeDirectory).entries.size).toBe(1);
    expect(() => b.add(splitMemberPath('a/l/x'), bytesFile('x'))).toThrow(/below a symlink/);
    expect(() => b.add(splitMemberPath('a/b/c/x'), bytesFile('x'))).toThrow(/below a file/);
  });

  test('stripRoot like fetchzip: one folder becomes the result, one file goes inside, anything else fails', async () => {
    const inner = dir({ f: bytesFile('f') });
    expect(stripRoot(dir({ top: inner }))).toBe(inner);
    const single = stripRoot(dir({ 'only.txt': bytesFile('x') }));
    expect([...single.entries.keys()]).toEqual(['only.txt']);
    expect(() => stripRoot(dir({}))).toThrow(/single top-level/);
    expect(() => stripRoot(dir({ a: inner, '.hidden': bytesFile('h') }))).toThrow(/single top-level/);
    expect(() => stripRoot(dir({ l: symlinkNode('x') }))).toThrow(/symlink/);
  });
});
