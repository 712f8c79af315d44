// Berry git dependencies: Yarn zips what `yarn pack` makes of the clone. lock2nix's pack of plain packages
// (yarn-berry-zip.mjs checkoutToZip) against the real Yarn 4's pack, and the conversion's checks on the loopback
// git server (a wrong checksum is a mismatch; a package whose pack runs scripts is refused).

import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { HashMismatchError, Lock2nixError, PinError } from '@lock2nix/core';
import { startGitServer, testWithTools } from '@lock2nix/fixtures';
import { checkoutToZip, tgzToZip } from '@lock2nix/templates/lib/yarn-berry-zip.mjs';
import { convert } from './helpers.ts';
import { sealedEnv, tempHome, YARN4, yarn } from './tools.ts';

/** the entry names of a zip (central directory), for a readable failure */
function names(zip: Buffer): string[] {
  const out: string[] = [];
  let off = zip.readUInt32LE(zip.length - 6);
  while (zip.readUInt32LE(off) === 0x02014b50) {
    const n = zip.readUInt16LE(off + 28);
    out.push(`${zip.toString('utf8', off + 46, off + 46 + n)} ${(zip.readUInt32LE(off + 38) >>> 16).toString(8)}`);
    off += 46 + n + zip.readUInt16LE(off + 30) + zip.readUInt16LE(off + 32);
  }
  return out;
}

type Files = Record<string, string | { symlink: string } | { executable: string }>;

async function writeTree(dir: string, files: Files): Promise<void> {
  for (const [p, c] of Object.entries(files)) {
    const full = join(dir, p);
    await mkdir(dirname(full), { recursive: true });
    if (typeof c === 'string') await writeFile(full, c);
    else if ('symlink' in c) await symlink(c.symlink, full);
    else await writeFile(full, c.executable, { mode: 0o755 });
  }
}

const LAYOUTS: Record<string, Files> = {
  'ignore files, bin, symlink': {
    'package.json': JSON.stringify({ name: 'g', version: '1.0.0', main: 'index.js', bin: './bin/g.js' }, null, 2) + '\n',
    'index.js': 'x\n', 'bin/g.js': { executable: '#!/bin/sh\n' }, 'run.sh': { executable: 'echo\n' }, 'alias.js': { symlink: 'index.js' },
    '.gitignore': '# comment\ndist\n*.log\n/top.txt\n', 'top.txt': 't', 'a/top.txt': 'kept', 'dist/x.js': 'x', 'a/dist/y.js': 'y', 'x.log': 'l',
    'sub/.npmignore': 'skip.js\n!keep.js\n', 'sub/skip.js': '1', 'sub/keep.js': '2', 'README.md': 'r', '.github/w.yml': 'w', 'node_modules/m/i.js': 'm',
    'Upper.txt': 'u', '.hidden': 'h',
  },
  'files field, browser map, licence files': {
    'package.json': JSON.stringify({ name: 'g', version: '1.0.0', main: 'lib/main.js', browser: { './shim.js': './browser-shim.js' }, files: ['lib', 'types/*.d.ts', 'docs/'], dependencies: { dep: '^1.0.0' } }),
    'lib/main.js': 'm', 'lib/deep/x.js': 'x', 'lib/.gitignore': 'deep\n', 'types/a.d.ts': 'a', 'types/b.ts': 'b', 'docs/d.md': 'd', 'src/s.js': 's',
    'shim.js': 's', 'browser-shim.js': 'b', 'LICENSE': 'l', 'CHANGELOG.md': 'c', 'readme.markdown': 'r', '.gitignore': 'lib\n',
  },
};

describe('Berry git dependencies', () => {
  for (const [name, files] of Object.entries(LAYOUTS)) {
    testWithTools([], `pack of a plain package = Yarn 4's yarn pack (${name})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-pack-'));
      await writeTree(dir, files);
      const spec = { prefix: 'node_modules/g', level: 0 as const };
      const ours = checkoutToZip(dir, spec);
      // what Yarn does with a clone: `yarn pack` in it (an empty yarn.lock makes it a project), zipped
      await writeFile(join(dir, 'yarn.lock'), '');
      const home = await tempHome();
      await yarn(YARN4, dir, ['pack', '--filename', join(home, 'package.tgz')], sealedEnv(home, { YARN_ENABLE_GLOBAL_CACHE: 'false' }));
      const theirs = tgzToZip(await readFile(join(home, 'package.tgz')), spec);
      if (!ours.equals(theirs)) expect(names(ours)).toEqual(names(theirs));
      expect(ours.equals(theirs)).toBe(true);
    }, 60_000);
  }

  const lockFor = (url: string, commit: string, checksum: string) => `__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"g@${url}#commit=${commit}":\n  version: 1.0.0\n  resolution: "g@${url}#commit=${commit}"\n  checksum: 10c0/${checksum}\n  languageName: node\n  linkType: hard\n`;

  testWithTools(['git'], 'a checksum that is not the zip of the pack is a mismatch; a package with a prepack script is refused', async () => {
    const server = await startGitServer();
    try {
      const plain = await server.commit('plain.git', { 'package.json': '{"name":"g","version":"1.0.0"}', 'index.js': 'x' });
      const scripted = await server.commit('scripted.git', { 'package.json': '{"name":"g","version":"1.0.0","scripts":{"prepack":"tsc"}}', 'index.js': 'x' });
      const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-git-'));
      const file = join(dir, 'yarn.lock');
      await writeFile(file, lockFor(`${server.url}/plain.git`, plain, '0'.repeat(128)));
      // checked while pinning (Converter.verify on the fetched tree), reported like any mismatch
      const mismatch = await convert(file, { offline: false }).catch((e: unknown) => e);
      expect(mismatch).toBeInstanceOf(HashMismatchError);
      const m = mismatch as HashMismatchError;
      const tree = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-git-tree-'));
      await writeTree(tree, { 'package.json': '{"name":"g","version":"1.0.0"}', 'index.js': 'x' });
      expect([m.pkg, m.url, m.expected, m.actual]).toEqual(['g 1.0.0', `${server.url}/plain.git#${plain}`, '0'.repeat(128), createHash('sha512').update(checkoutToZip(tree, { prefix: 'node_modules/g', level: 0 })).digest('hex')]);
      // with the right checksum it pins
      await writeFile(file, lockFor(`${server.url}/plain.git`, plain, m.actual));
      expect((await convert(file, { offline: false })).unpinned).toEqual([]);
      await writeFile(file, lockFor(`${server.url}/scripted.git`, scripted, '0'.repeat(128)));
      const err = await convert(file, { offline: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Lock2nixError);
      expect((err as Error).message).toMatch(/prepack script/);
      // refused without a checksum too: the builder could not make the zip Yarn makes
      await writeFile(file, lockFor(`${server.url}/scripted.git`, scripted, '0'.repeat(128)).replace(/ {2}checksum: .*\n/, ''));
      await expect(convert(file, { offline: false })).rejects.toThrow(/prepack script/);
      // two bad entries: both named (PinError)
      await writeFile(file, lockFor(`${server.url}/plain.git`, plain, '0'.repeat(128)) + '\n' + lockFor(`${server.url}/scripted.git`, scripted, '0'.repeat(128)).replace(/^__metadata:\n.*\n.*\n\n/, '').replaceAll('"g@', '"h@'));
      const both = await convert(file, { offline: false }).catch((e: unknown) => e);
      expect(both).toBeInstanceOf(PinError);
      expect((both as PinError).errors.map((e) => (e as Error).constructor.name).sort()).toEqual(['HashMismatchError', 'Lock2nixError']);
    } finally {
      await server.close();
    }
  }, 60_000);
});
