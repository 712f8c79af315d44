// The core builder's selection, evaluated by Nix, against `packaging` (what pip itself uses): PEP 508 markers
// with groups on the real lock-version 2.1 lock, and wheel tags on every wheel of the real corpus.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { convertText } from '@lock2nix/core';
import { nixEvalJson, testWithTools, TEMPLATES_DIR, TEST_PKGS } from '@lock2nix/fixtures';
import { poetryConverter } from '../src/index.ts';
import { packageIds } from '../src/resolve.ts';
import { parseMarker } from '../src/markers.ts';
import { CORPUS, context, tempDir } from './support.ts';

const run = promisify(execFile);
const PY = fileURLToPath(new URL('../../../.tools/poetry/bin/python', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./selection.py', import.meta.url));
const TARGETS: { system: string; python: string; glibc: string; macos: string; libc?: string }[] = [
  { system: 'x86_64-linux', python: '3.10.4', glibc: '2.28', macos: '11.0' },
  { system: 'x86_64-linux', python: '3.12.3', glibc: '1.1', macos: '11.0', libc: 'musl' },
  { system: 'x86_64-linux', python: '3.13.1', glibc: '2.17', macos: '11.0' },
  { system: 'aarch64-linux', python: '3.11.0', glibc: '2.34', macos: '11.0' },
  { system: 'aarch64-darwin', python: '3.12.2', glibc: '2.28', macos: '12.0' },
  { system: 'x86_64-darwin', python: '3.9.18', glibc: '2.28', macos: '10.15' },
];
const GROUP_SETS = [['main'], ['main', 'test'], ['dev', 'typing'], ['github-actions']];

let home: string;
beforeAll(async () => { home = await tempDir('select'); });
afterAll(async () => { await rm(home, { recursive: true, force: true }); });

async function dataFile(slug: string): Promise<string> {
  const file = join(CORPUS, slug, 'poetry.lock');
  const text = readFileSync(file, 'utf8');
  const ctx = await context({ offline: true, projectDir: join(home, 'none'), home });
  try {
    const r = await convertText(poetryConverter, file, text, ctx);
    const out = join(home, `${slug}.json`);
    await writeFile(out, r.text);
    return out;
  } finally {
    await ctx.close();
  }
}

function builder(data: string, t: (typeof TARGETS)[number], extra = '{ }'): string {
  return `((import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/poetry.nix ({ lock = builtins.fromJSON (builtins.readFile ${data}); targetSystem = "${t.system}"; pythonVersion = "${t.python}"; libc = "${t.libc ?? 'glibc'}"; libcVersion = "${t.glibc}"; macosVersion = "${t.macos}"; } // ${extra}))`;
}

describe('selection matches packaging', () => {
  testWithTools(['nix-instantiate', PY], 'markers and groups (lock 2.1) every corpus marker, and wheel tags (every corpus wheel) for 6 targets', async () => {
    await mkdir(home, { recursive: true });
    const lockFile = join(CORPUS, 'poetry-2.1-git', 'poetry.lock');
    const lock = poetryConverter.parse(lockFile, readFileSync(lockFile, 'utf8')).native;
    const ids = packageIds(lock.packages);
    const wheels = new Set<string>();
    const markers = new Set<string>();
    const slugs = readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    for (const s of slugs) {
      const l = poetryConverter.parse(join(CORPUS, s, 'poetry.lock'), readFileSync(join(CORPUS, s, 'poetry.lock'), 'utf8')).native;
      for (const p of l.packages) {
        for (const f of p.files) if (f.file.endsWith('.whl')) wheels.add(f.file);
        for (const specs of Object.values(p.dependencies)) for (const d of specs) if (d.markers) markers.add(d.markers);
        if (typeof p.markers === 'string') markers.add(p.markers);
        else if (p.markers) for (const m of Object.values(p.markers)) markers.add(m);
      }
    }
    const input = {
      targets: TARGETS,
      groupSets: GROUP_SETS,
      packages: lock.packages.map((p) => ({ id: ids.get(p), groups: p.groups ?? [], markers: p.markers ?? null })),
      wheels: [...wheels].sort(),
      markers: [...markers].sort(),
    };
    const child = run(PY, [SCRIPT], { maxBuffer: 64 * 1024 * 1024 });
    child.child.stdin!.end(JSON.stringify(input));
    const ref = JSON.parse((await child).stdout) as { selected: Record<string, string[]>; wheels: Record<string, string[]>; markers: Record<string, boolean[]> };
    await writeFile(join(home, 'markers.json'), JSON.stringify(input.markers.map(parseMarker)));

    const data = await dataFile('poetry-2.1-git');
    await writeFile(join(home, 'wheels.json'), JSON.stringify(input.wheels));
    for (const t of TARGETS) {
      const got = await nixEvalJson<{ selected: Record<string, string[]>; wheels: string[]; markers: boolean[] }>(`
        let
          b = groups: ${builder(data, t, '{ inherit groups; }')};
          tagsOf = f: let parts = builtins.filter builtins.isString (builtins.split "-" (builtins.substring 0 (builtins.stringLength f - 4) f));
                          n = builtins.length parts;
                          at = i: builtins.filter builtins.isString (builtins.split "[.]" (builtins.elemAt parts i));
                      in { python = at (n - 3); abi = at (n - 2); platform = at (n - 1); };
          one = b [ "main" ];
        in {
          selected = builtins.listToAttrs (map (gs: { name = "${t.system} ${t.python} " + builtins.concatStringsSep "," gs; value = (b gs).selectedPackages; }) ${JSON.stringify(GROUP_SETS).replace(/,/g, ' ').replace(/\]\s*\[/g, '] [')});
          wheels = builtins.filter (f: one.lib.wheelOk (tagsOf f)) (builtins.fromJSON (builtins.readFile ${join(home, 'wheels.json')}));
          markers = map (one.lib.evalMarker [ ]) (builtins.fromJSON (builtins.readFile ${join(home, 'markers.json')}));
        }`);
      for (const [k, v] of Object.entries(got.selected)) expect([k, v]).toEqual([k, ref.selected[k]]);
      expect(got.wheels.sort()).toEqual(ref.wheels[`${t.system} ${t.python}`]);
      const refM = ref.markers[`${t.system} ${t.python}`]!;
      expect(input.markers.map((m, i) => [m, got.markers[i]])).toEqual(input.markers.map((m, i) => [m, refM[i]]));
    }
    // the sets are not trivial: something is left out for every target, and something chosen
    expect(Object.values(ref.selected).every((s) => s.length > 3 && s.length < lock.packages.length)).toBe(true);
    expect(new Set(Object.entries(ref.selected).filter(([k]) => k.endsWith(' main')).map(([, v]) => v.join())).size).toBeGreaterThan(3);
    expect(markers.size).toBeGreaterThan(40);
    expect(Object.values(ref.wheels).every((w) => w.length > 20 && w.length < wheels.size)).toBe(true);
  }, 600_000);
});
