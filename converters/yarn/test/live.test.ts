// Live, off by default (LOCK2NIX_LIVE=1): real lockfiles from the corpus converted against the npm registry
// that npm is configured with on this machine (`npm config get registry`), downloading and verifying
// everything: v1 integrity, and Berry checksums by rebuilding Yarn's zips from the real tarballs (the
// stored `10c0`, the deflated `10` and Yarn 3's `8` cache keys).

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseSyml } from '@yarnpkg/parsers';
import { convert } from './helpers.ts';

const LIVE = process.env.LOCK2NIX_LIVE === '1';
const CORPUS = fileURLToPath(new URL('../../../fixtures/corpus/yarn/', import.meta.url));
const PLACEHOLDER = 'https://registry.npm.example';

function machineRegistry(): string {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/+$/, '');
}

/** The first `n` npm entries of a Berry lockfile that state a checksum (the project's own scope, served by
 * another registry, left out), as a lockfile of their own. */
function berrySample(text: string, n: number): string {
  const data = parseSyml(text) as Record<string, Record<string, unknown>>;
  const keep = Object.entries(data).filter(([k, v]) => k !== '__metadata' && !k.startsWith('@hedgedoc/') && typeof v.resolution === 'string' && /@npm:[0-9]/.test(v.resolution) && typeof v.checksum === 'string').slice(0, n);
  const meta = data.__metadata!;
  const body = keep.map(([k, v]) => `${JSON.stringify(k)}:\n  version: ${String(v.version)}\n  resolution: ${JSON.stringify(v.resolution)}\n  checksum: ${String(v.checksum)}\n  languageName: node\n  linkType: hard\n`).join('\n');
  return `__metadata:\n  version: ${String(meta.version)}\n  cacheKey: ${String(meta.cacheKey)}\n\n${body}`;
}

describe.skipIf(!LIVE)('yarn live (LOCK2NIX_LIVE=1)', () => {
  test('classic: a real lockfile, every tarball downloaded and checked against its integrity', async () => {
    const reg = machineRegistry();
    const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-live-'));
    const text = (await readFile(join(CORPUS, 'prisma-crud-v1-small/yarn.lock'), 'utf8')).replaceAll(PLACEHOLDER, reg);
    await writeFile(join(dir, 'yarn.lock'), text);
    const r = await convert(join(dir, 'yarn.lock'), { offline: false });
    expect(r.unpinned).toEqual([]);
    expect(r.artifacts.every((a) => a.pin?.by === 'download')).toBe(true);
  }, 600_000);

  for (const slug of ['hedgedoc2-berry4-10c0-workspaces', 'hedgedoc1-berry4-git-patch', 'jest-berry-v10', 'jest-berry3-v6-patch']) {
    test(`Berry ${slug}: real checksums verified by rebuilding Yarn's zip`, async () => {
      const reg = machineRegistry();
      const dir = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-live-'));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, '.yarnrc.yml'), `npmRegistryServer: ${JSON.stringify(reg)}\n`);
      await writeFile(join(dir, 'yarn.lock'), berrySample(await readFile(join(CORPUS, slug, 'yarn.lock'), 'utf8'), 40));
      const r = await convert(join(dir, 'yarn.lock'), { offline: false, env: {} });
      expect(r.unpinned).toEqual([]);
      const packages = r.artifacts.filter((a) => !a.key.startsWith('lock2nix-tool:'));
      expect(packages.length).toBe(40);
      expect(packages.every((a) => a.hashes.some((h) => h.meaning === 'ecosystem'))).toBe(true);
      // deflated cache keys: the real @yarnpkg/libzip tarball, checked against the integrity lock2nix knows
      // (Yarn 4's build for cache key 10, Yarn 3's for cache key 8)
      if (!slug.startsWith('hedgedoc2')) expect(r.artifacts.find((a) => a.key.startsWith('lock2nix-tool:'))).toMatchObject({ version: slug.startsWith('jest-berry3') ? '2.3.0' : '3.2.2', pin: { by: 'download' } });
    }, 600_000);
  }
});
