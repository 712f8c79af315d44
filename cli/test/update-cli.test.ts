// `lock2nix update` through the real command line entry (main), offline on the two-ecosystem fixture.
import { access, copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { legacyNixData } from '@lock2nix/fixtures';
import { EXIT, main, type Io } from '../src/main.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/projects/update/', import.meta.url));
let dir: string;

async function lock2nix(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), isTTY: false, env: { ...process.env, XDG_CACHE_HOME: join(dir, '.xdg') }, cwd: join(dir, 'p') };
  const code = await main(args, io);
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-update-cli-'));
  await cp(join(FIXTURE, 'project'), join(dir, 'p'), { recursive: true });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('lock2nix update', () => {
  test('first run writes both outputs and lists every package as added', async () => {
    const r = await lock2nix('update', '--offline');
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/^cargo +added +libc +— +0\.2\.182/m);
    expect(r.out).toMatch(/^yarn +added +@jridgewell\/resolve-uri +— +3\.1\.1/m);
    expect(r.out).toMatch(/lock2nix update: 4 added \(hashes: 4 from lockfile checksums\); \d+ file\(s\) changed\n$/);
    expect(await readFile(join(dir, 'p/lock2nix/default.nix'), 'utf8')).toContain('cargo = callPackage ./lib/cargo.nix');
  });

  test('a bumped lockfile: one upgrade in the table, the Markdown and the JSON', async () => {
    await copyFile(join(FIXTURE, 'Cargo.lock.bumped'), join(dir, 'p/Cargo.lock'));
    const before = await readFile(join(dir, 'p/lock2nix/yarn.json'), 'utf8');
    const json = await lock2nix('update', '--offline', '--json');
    expect(json.code, json.err).toBe(EXIT.ok);
    const report = JSON.parse(json.out) as { summary: Record<string, number>; changedFiles: string[]; outputs: { output: string; changes: { kind: string; name: string; old?: { version: string }; new?: { version: string } }[] }[] };
    expect(report.summary).toEqual({ added: 0, removed: 0, upgraded: 1, downgraded: 0, changed: 0 });
    expect(report.changedFiles).toEqual([join(dir, 'p/lock2nix/cargo.json')]);
    expect(report.outputs.find((o) => o.output === 'cargo')!.changes).toMatchObject([{ kind: 'upgraded', name: 'libc', old: { version: '0.2.182' }, new: { version: '0.2.186' } }]);
    expect(await readFile(join(dir, 'p/lock2nix/yarn.json'), 'utf8')).toBe(before);
    // nothing changed since: the Markdown says so
    const md = await lock2nix('update', '--offline', '--markdown');
    expect(md.out).toMatch(/^### lock2nix: no package changes/);
  });

  test('legacy format 2 outputs (<name>.nix): read for the diff, replaced by <name>.json, left out of default.nix until then', async () => {
    const out = join(dir, 'p/lock2nix');
    for (const name of ['cargo', 'yarn']) {
      await writeFile(join(out, `${name}.nix`), legacyNixData(await readFile(join(out, `${name}.json`), 'utf8')));
      await rm(join(out, `${name}.json`));
    }
    // only cargo regenerated: yarn.nix stays, with a warning, and default.nix leaves it out (the builders refuse it)
    const r = await lock2nix('update', 'cargo', '--offline', '--json');
    expect(r.code, r.err).toBe(EXIT.ok);
    const report = JSON.parse(r.out) as { summary: Record<string, number>; changedFiles: string[]; warnings: { output: string; message: string }[] };
    expect(report.summary).toEqual({ added: 0, removed: 0, upgraded: 0, downgraded: 0, changed: 0 });
    expect(report.changedFiles).toEqual([join(out, 'cargo.json'), join(out, 'cargo.nix'), join(out, 'default.nix')]);
    await expect(access(join(out, 'cargo.nix'))).rejects.toThrow();
    expect(report.warnings).toEqual([{ output: 'yarn', message: expect.stringMatching(/yarn\.nix is a data file of an earlier lock2nix.*left out of default\.nix; run `lock2nix yarn` to regenerate it as yarn\.json/) }]);
    const defaultNix = await readFile(join(out, 'default.nix'), 'utf8');
    expect(defaultNix).toContain('cargo = callPackage ./lib/cargo.nix { lock = builtins.fromJSON (builtins.readFile ./cargo.json); };');
    expect(defaultNix).not.toContain('yarn');
    // the next full run replaces yarn.nix too
    const all = await lock2nix('update', '--offline', '--json');
    expect(all.code, all.err).toBe(EXIT.ok);
    expect((JSON.parse(all.out) as { warnings: unknown[] }).warnings).toEqual([]);
    await expect(access(join(out, 'yarn.nix'))).rejects.toThrow();
    expect(await readFile(join(out, 'default.nix'), 'utf8')).toContain('yarn = callPackage ./lib/yarn.nix { lock = builtins.fromJSON (builtins.readFile ./yarn.json); };');
  });

  test('only the named ecosystems; bad flags are usage errors', async () => {
    const r = await lock2nix('update', 'yarn', '--offline', '--json');
    expect(r.code, r.err).toBe(EXIT.ok);
    expect((JSON.parse(r.out) as { outputs: { output: string }[] }).outputs.map((o) => o.output)).toEqual(['yarn']);
    expect((await lock2nix('update', '--json', '--markdown')).code).toBe(EXIT.usage);
    expect((await lock2nix('update', 'npm')).code).toBe(EXIT.usage);
    expect((await lock2nix('update', '--help')).out).toMatch(/^Usage: lock2nix update/);
  });
});
