// Random file trees on disk for comparing our NAR hashes with the real nix-hash.

import { chmod, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { seededRandom } from '@lock2nix/fixtures';

/** A small seeded PRNG, so that a failing tree can be made again from its seed. */
export const rng = seededRandom;

/**
 * Name pieces chosen so that UTF-8 byte order differs from UTF-16 and locale order: U+FFFD sorts before
 * U+1F600 in UTF-16 code units but after it in UTF-8; 'Z' < 'a' < 'é' bytewise; '-' < '.' < '/' matters for
 * git's tree order against NAR's.
 */
const PIECES = ['a', 'b', 'Z', 'A', 'é', 'e\u0301', '\uFFFD', '😀', '\uFF5E', '日本', 'Ω', ' ', '-', '.', '_', '~', '0', '9', 'x.y', 'a-b', 'a.b', '\u00A0', '\u2028', 'ß', 'İ', '\u{10FFFD}'];

export function randomName(r: () => number, pieces: readonly string[] = PIECES): string {
  const n = 1 + Math.floor(r() * 4);
  let s = '';
  for (let i = 0; i < n; i++) s += pieces[Math.floor(r() * pieces.length)];
  if (r() < 0.05) s = 'n'.repeat(100 + Math.floor(r() * 150)); // long names (≤ 255 bytes)
  if (s === '.' || s === '..' || s === '') s = 'dot' + s;
  return s;
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

export interface TreeStats { files: number; executables: number; symlinks: number; dirs: number; emptyFiles: number; hardlinks: number }

export interface GenOptions {
  /** make some regular files hard links of others (tar stores them as links) */
  hardlinks?: boolean;
  /** no symlinks with absolute or empty-ish targets, no empty folders (for git, which does not keep them) */
  gitSafe?: boolean;
  /** no U+FFFD in names or targets (tar readers cannot tell it from bytes that are not UTF-8) */
  noReplacementChar?: boolean;
}

/** Write a random tree at `root` (created). */
export async function writeRandomTree(root: string, seed: number, opts: GenOptions = {}): Promise<TreeStats> {
  const r = rng(seed);
  const pieces = opts.noReplacementChar ? PIECES.filter((p) => p !== '\uFFFD') : PIECES;
  const name = () => randomName(r, pieces);
  const stats: TreeStats = { files: 0, executables: 0, symlinks: 0, dirs: 0, emptyFiles: 0, hardlinks: 0 };
  const files: string[] = [];
  await mkdir(root, { recursive: true });
  const deep = r() < 0.15;
  async function fill(dir: string, depth: number, budget: number): Promise<void> {
    const n = Math.floor(r() * budget);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const n = name();
      if (used.has(n)) continue;
      used.add(n);
      const p = join(dir, n);
      const k = r();
      if (k < 0.45) {
        const size = r() < 0.15 ? 0 : r() < 0.9 ? Math.floor(r() * 300) : Math.floor(r() * 70000);
        if (opts.hardlinks && files.length && r() < 0.2) {
          await link(files[Math.floor(r() * files.length)]!, p);
          stats.hardlinks++;
          continue;
        }
        await writeFile(p, randomBytes(r, size));
        const exec = r() < 0.3;
        await chmod(p, exec ? (r() < 0.5 ? 0o755 : 0o700) : r() < 0.5 ? 0o644 : 0o604);
        files.push(p);
        stats.files++;
        if (exec) stats.executables++;
        if (size === 0) stats.emptyFiles++;
      } else if (k < 0.65) {
        const targets = opts.gitSafe
          ? ['x', '../up', name(), `a/${name()}/b`]
          : ['x', '../up', name(), '/nix/store/abc-dangling', '/', '.', `${name()}/..//./x`, 'é/😀'];
        await symlink(targets[Math.floor(r() * targets.length)]!, p);
        stats.symlinks++;
      } else if (depth < 8) {
        await mkdir(p);
        stats.dirs++;
        await fill(p, depth + 1, Math.max(1, budget - 2));
        if (opts.gitSafe) await writeFile(join(p, 'keep'), 'k');
      }
    }
  }
  await fill(root, 0, 9);
  if (deep) {
    let p = root;
    for (let i = 0; i < 40; i++) {
      p = join(p, i % 2 ? 'deep-d' : 'deep-é');
      await mkdir(p, { recursive: true });
      stats.dirs++;
    }
    await writeFile(join(p, 'leaf'), 'deep');
    stats.files++;
  }
  return stats;
}
