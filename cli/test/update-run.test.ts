// runUpdate on a real project folder, with the real prefetcher against the loopback server. The Cargo
// converter is replaced by the small test reader in update-support.ts so these tests do not wait for it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createPrefetcher, silentReporter } from '@lock2nix/core';
import { startServer, type FixtureServer } from '@lock2nix/fixtures';
import { CRATES_ENV, cargoLock, crateBytes, miniCargo } from './update-support.ts';

vi.mock('../src/registry.ts', async () => {
  const { miniCargo: c } = await import('./update-support.ts');
  return { converters: [c], converterFor: () => c };
});

const { runUpdate } = await import('../src/update/index.ts');

let server: FixtureServer;
let dir: string;
const CRATES: [string, string][] = [['serde', '1.0.200'], ['serde', '1.0.203'], ['rand', '0.8.5'], ['libc', '0.2.150']];

beforeAll(async () => {
  server = await startServer();
  for (const [n, v] of CRATES) server.file(`/crates/${n}/${v}/download`, crateBytes(n, v).bytes);
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-update-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function update(offline = false) {
  const prefetcher = createPrefetcher({ cacheDir: join(dir, '.cache'), offline, reporter: silentReporter, retries: 1 });
  try {
    return (await runUpdate({ root: join(dir, 'proj'), ctx: { offline, prefetcher, reporter: silentReporter, env: { [CRATES_ENV]: `${server.url}/crates` } } })).report;
  } finally {
    await prefetcher.close();
  }
}

const downloads = () => server.log.filter((l) => l.startsWith('GET /crates/')).length;

describe('lock2nix update (library)', () => {
  test('first run: every package added, every file new', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'proj'), { recursive: true });
    await writeFile(join(dir, 'proj/Cargo.lock'), cargoLock([['serde', '1.0.200'], ['rand', '0.8.5'], ['libc', '0.2.150']]));
    const r = await update();
    expect(r.outputs.map((o) => [o.output, o.isNew, o.changes.length])).toEqual([['cargo', true, 4]]);
    expect(r.changedFiles.map((f) => f.slice(dir.length + 1))).toEqual(expect.arrayContaining(['proj/lock2nix/cargo.nix', 'proj/lock2nix/default.nix']));
    expect(r.pins.download).toBe(3);
    expect(downloads()).toBe(3);
    expect(miniCargo.ecosystem).toBe('cargo');
  });

  test('no change: nothing written, nothing fetched', async () => {
    const before = downloads();
    const r = await update();
    expect(r.changedFiles).toEqual([]);
    expect(r.outputs[0]!.changes).toEqual([]);
    expect(r.outputs[0]!.unchanged).toBe(4);
    expect(downloads()).toBe(before);
  });

  test('one bump: one upgrade, only that crate fetched, the rest byte-identical', async () => {
    const before = downloads();
    const mark = server.log.length;
    const old = await readFile(join(dir, 'proj/lock2nix/cargo.nix'), 'utf8');
    await writeFile(join(dir, 'proj/Cargo.lock'), cargoLock([['serde', '1.0.203'], ['rand', '0.8.5'], ['libc', '0.2.150']]));
    const r = await update();
    expect(r.outputs[0]!.changes.map((c) => [c.kind, c.name, c.old?.version, c.new?.version])).toEqual([['upgraded', 'serde', '1.0.200', '1.0.203']]);
    expect(r.changedFiles.map((f) => f.slice(dir.length + 1))).toEqual(['proj/lock2nix/cargo.nix']);
    expect(server.log.slice(mark).filter((l) => l.startsWith('GET /crates/'))).toEqual(['GET /crates/serde/1.0.203/download']);
    expect(downloads()).toBe(before + 1);
    const now = await readFile(join(dir, 'proj/lock2nix/cargo.nix'), 'utf8');
    const changed = now.split('\n').filter((l) => !old.split('\n').includes(l));
    expect(changed.every((l) => /serde|1\.0\.203|hash/.test(l))).toBe(true);
  });

  test('offline: previous pins are kept, nothing is fetched', async () => {
    const before = downloads();
    const r = await update(true);
    expect(r.changedFiles).toEqual([]);
    expect(downloads()).toBe(before);
  });

  test('a lockfile checksum that no longer matches the previous pin is not reused', async () => {
    const text = (await readFile(join(dir, 'proj/Cargo.lock'), 'utf8')).replace(crateBytes('libc', '0.2.150').sha256, '0'.repeat(64));
    await writeFile(join(dir, 'proj/Cargo.lock'), text);
    await expect(update()).rejects.toThrow(/mismatch/);
  });
});
