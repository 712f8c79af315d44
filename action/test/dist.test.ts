// dist/ is committed (the runner does no install), so it must be exactly what the sources build.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { buildAction } from '../build.ts';
import { ROOT } from './support.ts';

async function files(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(dir, p), await readFile(p));
    }
  }
  await walk(dir);
  return out;
}

test('dist/ is what the sources build (rebuild with: node action/build.ts)', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lock2nix-dist-'));
  try {
    await buildAction(tmp);
    const built = await files(tmp);
    const committed = await files(join(ROOT, 'dist'));
    expect([...committed.keys()].sort()).toEqual([...built.keys()].sort());
    const stale = [...built].filter(([name, bytes]) => !committed.get(name)?.equals(bytes)).map(([name]) => `dist/${name}`);
    // dist/ bundles core, cli and every converter: a change to any of them needs a rebuild. In a shared
    // checkout, build from what is committed so that others' unfinished edits stay out: node action/build.ts --rev HEAD
    expect(stale, 'stale files in dist/: commit your sources, run `node action/build.ts --rev HEAD` and commit dist/').toEqual([]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}, 120_000);
