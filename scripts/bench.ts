// `pnpm bench`: lock2nix measured side by side with its baselines in one run, so that the ratios hold on a
// busy machine. Options: --quick (small sizes, for a smoke run), --sample N (nix-prefetch-url calls timed,
// default 40), --rounds N (alternating rounds for (1), (2) and (5), default 3), --skip-big, --readme (write the
// table into README.md between the bench markers), --json FILE, --only 1,4 (run only those items; (3) also runs
// the lock2nix rounds of (2) for its warm cache).

import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { convertText, createPrefetcher, silentReporter, type Converter } from '../core/src/index.ts';
import { loadavg, cpus } from 'node:os';
import { cargoLockV4, poetryLock20, projectAssetsJson, servedArtifacts, servedLock, servedYarnLock, yarnLockV1, type ServedArtifact } from '../bench/generate.ts';
import { fmtMB, fmtMs, fmtX, markdownTable, median, nodeChildEnv, runCommand, runTask, startBenchServer, type Row, type Timed } from '../bench/harness.ts';
import type { TaskResult } from '../bench/child.ts';
import { syntheticConverter } from '../bench/synthetic.ts';
import { fileURLToPath } from 'node:url';
import { TEMPLATES_DIR, TEST_PKGS } from '../fixtures/src/nix.ts';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    sample: { type: 'string' },
    rounds: { type: 'string' },
    'skip-big': { type: 'boolean' },
    readme: { type: 'boolean' },
    json: { type: 'string' },
    only: { type: 'string' },
  },
});
const quick = Boolean(opt.quick);
const N_PREFETCH = quick ? 100 : 1000;
const NPU_SAMPLE = Number(opt.sample ?? (quick ? 5 : 40));
const ROUNDS = Number(opt.rounds ?? (quick ? 1 : 3));
const BIG = quick ? 64 * 1024 * 1024 : 1024 * 1024 * 1024;
const CONCURRENCY = 16;
/** (2b″): how long the bench server waits before each answer (a registry on another machine answers later) */
const LATENCY_MS = 10;
const ONLY = opt.only ? new Set(opt.only.split(',').map((x) => x.trim())) : undefined;
const want = (item: string) => !ONLY || ONLY.has(item);
const NIX_ENV = { ...process.env, NIX_CONFIG: 'substituters =\nwarn-dirty = false\n' };
const FLOOR = fileURLToPath(new URL('../bench/floor.ts', import.meta.url));
const has = (cmd: string, args = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

const loadStart = loadavg().map((x) => x.toFixed(1)).join(' ');
const work = await mkdtemp(join(tmpdir(), 'lock2nix-bench-'));
const rows: Row[] = [];
const notes: string[] = [];
const raw: Record<string, unknown> = {};
const server = await startBenchServer();
const salt = `run${Date.now().toString(36)}`;

try {
  // (1) offline conversion of large generated lockfiles, each in its own process
  const sizes = quick ? { yarn: 1000, cargo: 200, poetry: 50, nuget: 100 } : { yarn: 10_000, cargo: 2_000, poetry: 500, nuget: 1_000 };
  const gens = [
    { eco: 'yarn', file: 'yarn.lock', text: yarnLockV1(sizes.yarn), what: `yarn.lock v1, ${sizes.yarn} entries` },
    { eco: 'cargo', file: 'Cargo.lock', text: cargoLockV4(sizes.cargo), what: `Cargo.lock v4, ${sizes.cargo} crates` },
    { eco: 'poetry', file: 'poetry.lock', text: poetryLock20(sizes.poetry, 30), what: `poetry.lock 2.0, ${sizes.poetry} packages × 30 files` },
    { eco: 'nuget', file: 'project.assets.json', text: projectAssetsJson(sizes.nuget), what: `project.assets.json, ${sizes.nuget} libraries` },
    { eco: 'synthetic', file: 'synthetic.lock', text: servedLock(servedArtifacts('http://127.0.0.1:9', sizes.yarn, { salt: 'conv' })), what: `core pipeline alone (synthetic converter), ${sizes.yarn} entries` },
  ];
  // warm-up, not measured: one small conversion per converter, so that Node's compile cache holds every module
  // (the first run after the sources change compiles them, type stripping included: about +35 MB and +0.3 s once)
  const small = [
    { eco: 'yarn', file: 'yarn.lock', text: yarnLockV1(10) },
    { eco: 'cargo', file: 'Cargo.lock', text: cargoLockV4(10) },
    { eco: 'poetry', file: 'poetry.lock', text: poetryLock20(5, 2) },
    { eco: 'nuget', file: 'project.assets.json', text: projectAssetsJson(10) },
  ];
  for (const g of small) {
    const dir = join(work, 'warm-up', g.eco);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, g.file), g.text);
    await runTask({ kind: 'convert', converter: g.eco, file: join(dir, g.file), offline: true, cacheDir: join(dir, 'cache') });
  }
  // each lockfile converted ROUNDS times, the lockfiles taking turns; the median time and the highest peak count
  const runs1 = new Map<string, Timed<TaskResult>[]>();
  for (const g of want('1') ? gens : []) {
    const dir = join(work, 'convert', g.eco);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, g.file), g.text);
    runs1.set(g.eco, []);
  }
  for (let round = 0; round < (want('1') ? ROUNDS : 0); round++) {
    for (const g of gens) {
      const dir = join(work, 'convert', g.eco);
      log(`(1) round ${round + 1}/${ROUNDS}: converting ${g.what}`);
      const r = await runTask({ kind: 'convert', converter: g.eco, file: join(dir, g.file), offline: true, cacheDir: join(dir, 'cache') });
      runs1.get(g.eco)!.push(r);
    }
  }
  for (const g of want('1') ? gens : []) {
    const rs = runs1.get(g.eco)!;
    raw[`convert-${g.eco}`] = rs;
    const what = `(1) offline conversion: ${g.what} (${(Buffer.byteLength(g.text) / 1e6).toFixed(1)} MB)`;
    const bad = rs.find((r) => !r.result.ok);
    if (bad?.result.pending) rows.push({ item: '1', what, ours: 'converter pending', baseline: '', ratio: '', target: '< 1 s; peak < 200 MB (4)', met: undefined });
    else if (bad) rows.push({ item: '1', what, ours: `failed: ${bad.result.error}`, baseline: '', ratio: '', target: '< 1 s; peak < 200 MB (4)', met: undefined });
    else {
      const wall = median(rs.map((r) => r.wallMs));
      const inProcess = median(rs.map((r) => r.result.ms));
      const peak = Math.max(...rs.map((r) => r.result.peakMB));
      const base = Math.max(...rs.map((r) => r.result.baseMB));
      const last = rs[rs.length - 1]!.result;
      rows.push({
        item: '1', what,
        ours: `${fmtMs(wall)} end to end (${fmtMs(inProcess)} in-process), median of ${rs.length}; highest peak ${fmtMB(peak)} (${fmtMB(base)} at start); ${last.artifacts} artifacts, ${last.unpinned} unpinned`,
        baseline: '', ratio: '', target: '< 1 s; peak < 200 MB (4)', met: wall < 1000 && peak < 200,
      });
    }
  }

  // (2) verify-mode prefetch of N artifacts: lock2nix vs curl --parallel + sha256sum vs a nix-prefetch-url loop
  const arts = servedArtifacts(server.url, N_PREFETCH, { salt });
  const totalMB = arts.reduce((s, a) => s + a.size, 0) / 1e6;
  const lockDir = join(work, 'prefetch');
  await mkdir(lockDir, { recursive: true });
  // the real yarn converter (classic yarn.lock, sha512 integrity) when it is there, else the synthetic one
  const { loadConverter } = await import('../cli/src/registry.ts');
  let conv: Converter = syntheticConverter();
  let convName = 'synthetic';
  try {
    const y = await loadConverter('yarn');
    y.parse(join(lockDir, 'yarn.lock'), servedYarnLock(arts.slice(0, 2)));
    conv = y;
    convName = 'yarn';
  } catch (e) {
    notes.push(`(2), (3), (5): yarn converter not usable (${(e as Error).message.split('\n')[0]}), synthetic converter used`);
  }
  const lockText = (list: ServedArtifact[]) => (convName === 'yarn' ? servedYarnLock(list) : servedLock(list));
  const lockName = convName === 'yarn' ? 'yarn.lock' : 'synthetic.lock';
  const lockFile = join(lockDir, lockName);
  await writeFile(lockFile, lockText(arts));
  const ours: number[] = [];
  const oursIn: number[] = [];
  const curls: number[] = [];
  let warmCache = '';
  const hasCurl = has('curl') && has('sha256sum');
  // Nothing written by a round is deleted before (2) and (3) are done: on an ext4 without a journal (this
  // machine's), creating a file skips every inode deleted in the last minutes, so one round's deletions made the
  // next round's 1,000 creations several times dearer, for curl and lock2nix alike (curl alone then took 0.3 s
  // to 1.1 s). The two sides also take turns at going first.
  const leftovers: string[] = [];
  // one set of rounds of (2): `tag` names its folders, `list` the artifacts that `file` locks
  const lock2nixRound = async (round: number, tag: string, file: string, list: ServedArtifact[], into: number[], intoIn?: number[]) => {
    log(`(2${tag}) round ${round + 1}/${ROUNDS}: lock2nix`);
    const cacheDir = join(lockDir, `cache${tag}-${round}`);
    leftovers.push(cacheDir);
    const r = await runTask({ kind: 'convert', converter: convName, file, offline: false, cacheDir, concurrency: CONCURRENCY });
    raw[`prefetch${tag}-ours-${round}`] = r;
    if (r.result.ok && r.result.pinned === list.length) {
      into.push(r.wallMs);
      intoIn?.push(r.result.ms);
      if (!tag) warmCache = cacheDir;
    } else {
      notes.push(`(2${tag}) lock2nix round ${round + 1} failed: ${r.result.error ?? `${r.result.pinned} of ${list.length} pinned`}`);
    }
  };
  const curlRound = async (round: number, tag: string, list: ServedArtifact[], into: number[]) => {
    log(`(2${tag}) round ${round + 1}/${ROUNDS}: curl --parallel + sha256sum`);
    const out = join(lockDir, `curl${tag}-${round}`);
    leftovers.push(out);
    await mkdir(out, { recursive: true });
    const cfg = join(lockDir, `curl${tag}-${round}.cfg`);
    await writeFile(cfg, list.map((a, i) => `url = "${a.url}"\noutput = "${join(out, String(i))}"\n`).join(''));
    const t0 = performance.now();
    const c = await runCommand('curl', ['--parallel', '--parallel-max', String(CONCURRENCY), '-sSf', '-K', cfg], { keepStdout: false });
    const files = list.map((_, i) => join(out, String(i)));
    const s = await runCommand('sha256sum', files);
    const ms = performance.now() - t0;
    const sums = s.result.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
    if (c.result.status === 0 && sums.every((h, i) => h === list[i]!.sha256)) into.push(ms);
    else notes.push(`(2${tag}) curl round ${round + 1} failed (status ${c.result.status})`);
  };
  // the floor for a Node.js client (bench/floor.ts): the same downloads, hashes and files with nothing else
  const floors: number[] = [];
  const floorList = join(lockDir, 'floor.json');
  await writeFile(floorList, JSON.stringify(arts.map((a) => ({ url: a.url, sha512: a.sha512 }))));
  const floorRound = async (round: number) => {
    log(`(2) round ${round + 1}/${ROUNDS}: Node.js floor`);
    const out = join(lockDir, `floor-${round}`);
    leftovers.push(out);
    const r = await runCommand(process.execPath, [FLOOR, floorList, out, String(CONCURRENCY)], { env: nodeChildEnv() });
    if (r.result.status === 0 && /"ok":true/.test(r.result.stdout)) floors.push(r.wallMs);
    else notes.push(`(2) floor round ${round + 1} failed: ${r.result.stderr.trim().split('\n').at(-1) ?? r.result.status}`);
  };
  for (let round = 0; round < (want('2') || want('3') ? ROUNDS : 0); round++) {
    // each side goes first, second and last in turn
    const sides = [() => lock2nixRound(round, '', lockFile, arts, ours, oursIn), ...(hasCurl && want('2') ? [() => curlRound(round, '', arts, curls)] : []), ...(want('2') ? [() => floorRound(round)] : [])];
    for (let i = 0; i < sides.length; i++) await sides[(i + round) % sides.length]!();
  }
  // (2b″), for reference: the same downloads, each answered after LATENCY_MS (as by a registry on another
  // machine). Loopback with no wait makes each side's CPU per request all that counts.
  const oursLat: number[] = [];
  const curlsLat: number[] = [];
  if (want('2') && hasCurl) {
    const latArts = servedArtifacts(server.url, N_PREFETCH, { salt, latencyMs: LATENCY_MS });
    const latFile = join(lockDir, 'latency', lockName);
    await mkdir(join(lockDir, 'latency'), { recursive: true });
    await writeFile(latFile, lockText(latArts));
    for (let round = 0; round < ROUNDS; round++) {
      const sides = [() => lock2nixRound(round, '-latency', latFile, latArts, oursLat), () => curlRound(round, '-latency', latArts, curlsLat)];
      for (let i = 0; i < sides.length; i++) await sides[(i + round) % sides.length]!();
    }
  }
  let npuPer = NaN;
  if (want('2') && has('nix-prefetch-url')) {
    log(`(2) nix-prefetch-url over ${NPU_SAMPLE} of the URLs`);
    const times: number[] = [];
    for (const a of arts.slice(0, NPU_SAMPLE)) {
      const r = await runCommand('nix-prefetch-url', ['--type', 'sha256', a.url], { env: NIX_ENV, timeoutMs: 60_000 });
      if (r.result.status === 0) times.push(r.wallMs);
    }
    if (times.length) npuPer = times.reduce((s, x) => s + x, 0) / times.length;
    raw['nix-prefetch-url-sample'] = times;
  }
  const oursMed = ours.length ? median(ours) : NaN;
  const curlMed = curls.length ? median(curls) : NaN;
  const npuTotal = npuPer * arts.length;
  if (want('2')) {
    const what2 = `(2) verify-mode prefetch (${convName} converter), ${arts.length} artifacts (${totalMB.toFixed(0)} MB), concurrency ${CONCURRENCY}, fresh cache`;
    rows.push({
      item: '2a', what: `${what2} vs nix-prefetch-url loop`,
      ours: `${fmtMs(oursMed)} end to end (${fmtMs(ours.length ? median(oursIn) : NaN)} in-process), median of ${ours.length}`,
      baseline: Number.isFinite(npuTotal) ? `${fmtMs(npuTotal)} (${NPU_SAMPLE} timed, ${fmtMs(npuPer)} each, × ${arts.length})` : 'n/a',
      ratio: `${fmtX(npuTotal / oursMed)} faster`, target: '≥ 10× faster',
      met: Number.isFinite(npuTotal / oursMed) ? npuTotal / oursMed >= 10 : undefined,
    });
    rows.push({
      item: '2b', what: `${what2} vs curl --parallel to disk + sha256sum`,
      ours: `${fmtMs(oursMed)}`, baseline: `${fmtMs(curlMed)} (median of ${curls.length})`,
      ratio: `${fmtX(oursMed / curlMed)} of curl`, target: '≤ 1.5× curl',
      met: Number.isFinite(oursMed / curlMed) ? oursMed / curlMed <= 1.5 : undefined,
    });
    const floorMed = floors.length ? median(floors) : NaN;
    rows.push({
      item: '2b′', what: `(2) for reference: the least any Node.js client does for the same downloads (bench/floor.ts: undici, sha512, write, rename; nothing else) vs curl`,
      ours: `${fmtMs(floorMed)} (median of ${floors.length})`, baseline: `${fmtMs(curlMed)}`,
      ratio: `${fmtX(floorMed / curlMed)} of curl; lock2nix ${fmtX(oursMed / floorMed)} of it`, target: 'reference', met: 'reference',
    });
    if (hasCurl) {
      const oursLatMed = oursLat.length ? median(oursLat) : NaN;
      const curlLatMed = curlsLat.length ? median(curlsLat) : NaN;
      rows.push({
        item: '2b″', what: `(2) for reference: the same downloads with a ${LATENCY_MS} ms wait before each answer (a registry elsewhere, not on loopback): lock2nix vs curl --parallel + sha256sum`,
        ours: `${fmtMs(oursLatMed)} (median of ${oursLat.length})`, baseline: `${fmtMs(curlLatMed)} (median of ${curlsLat.length})`,
        ratio: `${fmtX(oursLatMed / curlLatMed)} of curl`, target: 'reference', met: 'reference',
      });
    }
  }

  // (3) incremental: one dependency changed in the N-entry lockfile, with the warm cache from (2)
  if (!want('3')) {
    // not asked for
  } else if (warmCache) {
    const changed = [...arts];
    const idx = Math.floor(arts.length / 2);
    const fresh = servedArtifacts(server.url, 1, { salt: `${salt}-changed`, from: idx })[0]!;
    changed[idx] = { ...fresh, version: '1.0.1' };
    const file3 = join(lockDir, 'changed', lockName);
    await mkdir(join(lockDir, 'changed'), { recursive: true });
    await writeFile(file3, lockText(changed));
    log('(3) incremental update');
    const r = await runTask({ kind: 'convert', converter: convName, file: file3, offline: false, cacheDir: warmCache, concurrency: CONCURRENCY });
    raw.incremental = r;
    rows.push({
      item: '3', what: `(3) one of ${arts.length} entries changed, warm cache (${convName} converter)`,
      ours: r.result.ok ? `${fmtMs(r.wallMs)} end to end (${fmtMs(r.result.ms)} in-process)` : `failed: ${r.result.error}`,
      baseline: `${fmtMs(oursMed)} cold`, ratio: r.result.ok ? `${fmtX(oursMed / r.wallMs)} faster than cold` : '',
      target: '< 2 s', met: r.result.ok ? r.wallMs < 2000 : undefined,
    });
  } else {
    rows.push({ item: '3', what: '(3) incremental update', ours: 'not measured: (2) never filled a cache', baseline: '', ratio: '', target: '< 2 s', met: undefined });
  }
  for (const dir of leftovers) await rm(dir, { recursive: true, force: true });

  // (4) peak memory while prefetching one large artifact generated on the fly by the server
  if (!opt['skip-big'] && want('4')) {
    log(`(4) prefetching one ${BIG / 2 ** 20} MiB artifact`);
    const cacheDir = join(work, 'big-cache');
    const r = await runTask({ kind: 'file', url: `${server.url}/big/${salt}/${BIG}/big.bin`, cacheDir });
    raw.big = r;
    await rm(cacheDir, { recursive: true, force: true });
    rows.push({
      item: '4', what: `(4) prefetch one ${BIG >= 2 ** 30 ? `${BIG / 2 ** 30} GiB` : `${BIG / 2 ** 20} MiB`} artifact (streamed, never stored by the server)`,
      ours: r.result.ok ? `peak ${fmtMB(r.result.peakMB)} (${fmtMB(r.result.baseMB)} at start), ${fmtMs(r.result.ms)}, ${(BIG / 2 ** 20 / (r.result.ms / 1000)).toFixed(0)} MiB/s` : `failed: ${r.result.error}`,
      baseline: '', ratio: '', target: '< 200 MB', met: r.result.ok ? r.result.peakMB < 200 : undefined,
    });
  }

  // (5) nix-instantiate: the generated output vs a hand-written list of the same fetchurl calls
  if (want('5') && has('nix-instantiate')) {
    const dir5 = join(work, 'instantiate');
    await mkdir(dir5, { recursive: true });
    const gen = await convertText(conv, lockFile, await readFile(lockFile, 'utf8'), {
      projectDir: lockDir, offline: true, prefetcher: createPrefetcher({ cacheDir: join(dir5, 'cache'), offline: true }), reporter: silentReporter, env: {},
    });
    await writeFile(join(dir5, 'data.json'), gen.text);
    const fetched = gen.artifacts.filter((a) => a.fetch.type === 'file' && a.pin);
    const call = (a: (typeof fetched)[number]) => `(pkgs.fetchurl { url = "${(a.fetch as { urls: string[] }).urls[0]}"; name = "${(a.fetch as { name: string }).name}"; hash = "${a.pin!.hash}"; })`;
    const variants: Record<string, string> = {
      // (5a) the data file alone, each entry's `fetch` (fetchurl's own arguments) passed to fetchurl: same .drv paths as the hand-written list
      'data-map': `let pkgs = import ${TEST_PKGS} { }; lock = builtins.fromJSON (builtins.readFile ./data.json); in\nmap (a: pkgs.fetchurl a.fetch) (builtins.attrValues lock.artifacts)\n`,
      'hand-list': `let pkgs = import ${TEST_PKGS} { }; in [\n${fetched.map((a) => `  ${call(a)}\n`).join('')}]\n`,
    };
    const builder = join(TEMPLATES_DIR, 'lib', conv.builder);
    const hasBuilder = convName !== 'synthetic' && (await readFile(builder, 'utf8').then(() => true, () => false));
    if (hasBuilder) {
      // (5b) the core builder (what default.nix calls) vs the same folder of links written by hand
      variants['builder'] = `let pkgs = import ${TEST_PKGS} { }; in pkgs.callPackage ${builder} { lock = builtins.fromJSON (builtins.readFile ./data.json); }\n`;
      variants['hand-folder'] = `let pkgs = import ${TEST_PKGS} { }; in pkgs.runCommand "offline-cache" { preferLocalBuild = true; allowSubstitutes = false; } ''\n  mkdir -p "$out"\n${fetched.map((a) => `  ln -s \${${call(a)}} "$out"/'${a.cachePath}'\n`).join('')}''\n`;
    }
    for (const [k, v] of Object.entries(variants)) await writeFile(join(dir5, `${k}.nix`), v);
    const t: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    const outs: Record<string, string> = {};
    // nix-instantiate takes a few hundred ms: more alternating rounds than the other items, to tame noise
    const rounds5 = Math.max(ROUNDS, quick ? 1 : 15);
    for (let round = 0; round <= rounds5; round++) {
      for (const k of Object.keys(variants)) {
        log(`(5) nix-instantiate ${k}.nix${round === 0 ? ' (warm-up)' : ''}`);
        const r = await runCommand('nix-instantiate', [join(dir5, `${k}.nix`)], { env: NIX_ENV });
        if (r.result.status !== 0) { if (round === 0) notes.push(`(5) nix-instantiate ${k}.nix failed: ${r.result.stderr.slice(-300)}`); continue; }
        outs[k] = r.result.stdout.trim().split('\n').sort().join('\n');
        if (round > 0) t[k]!.push(r.wallMs);
      }
    }
    // instructions executed (callgrind), which do not vary with the machine's load: shown beside the times
    const insns: Record<string, number> = {};
    if (!quick && has('valgrind')) {
      for (const k of Object.keys(variants)) {
        log(`(5) nix-instantiate ${k}.nix under callgrind`);
        const r = await runCommand('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', 'nix-instantiate', join(dir5, `${k}.nix`)], { env: NIX_ENV, timeoutMs: 300_000 });
        const m = /Collected : (\d+)/.exec(r.result.stderr);
        if (r.result.status === 0 && m) insns[k] = Number(m[1]);
      }
    }
    const mi = (k: string) => (insns[k] !== undefined ? `, ${(insns[k]! / 1e6).toFixed(1)}M instructions` : '');
    const pair = (ours5: string, hand: string, what: string) => {
      const g = t[ours5]!.length ? median(t[ours5]!) : NaN;
      const h = t[hand]!.length ? median(t[hand]!) : NaN;
      const byInsns = insns[ours5] !== undefined && insns[hand] !== undefined ? insns[ours5]! / insns[hand]! : undefined;
      const ir = byInsns !== undefined ? `; instructions ${fmtX(byInsns)}` : '';
      // decided on instructions where counted: they repeat to within a few hundred of 300 million from one run
      // to the next, so no allowance is made for noise. Without valgrind, on the median time, with 10% for noise.
      const met = byInsns !== undefined ? byInsns <= 1 : Number.isFinite(g / h) ? g / h <= 1.1 : undefined;
      rows.push({
        item: ours5 === 'data-map' ? '5a' : '5b', what, ours: `${fmtMs(g)}${mi(ours5)}`, baseline: `${fmtMs(h)}${mi(hand)}`, ratio: `${fmtX(g / h)} of hand-written${ir}`,
        target: byInsns !== undefined ? '≤ hand-written, in instructions' : '≤ hand-written (+10% noise), in time', met,
      });
    };
    const same = outs['data-map'] !== undefined && outs['data-map'] === outs['hand-list'];
    pair('data-map', 'hand-list', `(5) nix-instantiate, ${fetched.length} deps: generated data file (JSON, read with builtins.fromJSON) mapped to fetchurl vs a hand-written list of the same fetchurl calls${same ? ' (same .drv paths)' : ' (DIFFERENT .drv paths)'}`);
    if (hasBuilder) pair('builder', 'hand-folder', `(5) nix-instantiate, ${fetched.length} deps: generated data + core builder lib/${conv.builder} vs the same fetchurl calls linked into a folder by hand`);
  }
} finally {
  await server.close();
  await rm(work, { recursive: true, force: true });
}

const cmd = `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const met = rows.filter((r) => r.met === true).length;
const missed = rows.filter((r) => r.met === false).length;
const open = rows.filter((r) => r.met === undefined).length;
const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const table = markdownTable(rows);
const summary = `targets: ${met} met, ${missed} missed, ${open} not measured`;
const extra = [
  'Notes: (1) end to end = spawn of a fresh Node process to its exit (median of the rounds); in-process = parse → resolve → pin → render; one small',
  'conversion per converter runs first, unmeasured, to fill Node\'s compile cache (as any run after the first has it);',
  'peak = that process\'s own high-water mark of resident memory (VmHWM). (2) lock2nix runs in its own process against a loopback server in another;',
  `nix-prefetch-url is timed on ${NPU_SAMPLE} of the URLs and extrapolated to all of them; curl uses --parallel-max ${CONCURRENCY}. The rounds of (2)`,
  'take turns at going first, and what they write is deleted only after (3) (file creation right after mass deletion is dearer).',
  '(2b′) is no target: bench/floor.ts does only what every verify-mode prefetch in Node.js must do (undici, sha512 to check and name',
  'each body, write, rename), in its own process like lock2nix; it shows how much of the distance to curl a Node.js client cannot avoid.',
  `(2b″) is no target either: the same ${N_PREFETCH} downloads, answered by the same server after a ${LATENCY_MS} ms wait each, as a registry that is not on`,
  'loopback answers; lock2nix and curl in alternating rounds of their own.',
  '(2), (3) and (5) use the yarn converter on a classic yarn.lock whose entries resolve to the loopback server (sha512',
  'integrity checked); (5) instantiates with the test package set (templates/test-support/pkgs.nix); its instruction counts',
  '(callgrind, one run each) repeat from run to run and decide its target, with no allowance (times: median of 15 rounds). Medians of alternating',
  'rounds; the machine is shared with other jobs, so absolute times vary with the load shown below.',
  ...notes,
];
process.stdout.write(`\n${table}\n\n${summary}\n${extra.join('\n')}\n\nmeasured ${stamp} with \`${cmd}\` (${process.version}, ${cpus().length} CPUs, load average at start ${loadStart}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
if (opt.json) await writeFile(opt.json, JSON.stringify({ stamp, cmd, rows, notes, raw }, null, 2));
if (opt.readme) {
  const readmePath = new URL('../README.md', import.meta.url);
  const readme = await readFile(readmePath, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no bench markers');
  // the TOML paragraph (from scripts/bench-toml.ts) is kept as it is
  const toml = /\nTOML \(`node scripts\/bench-toml\.ts`\)[\s\S]*$/.exec(readme.slice(a, b))?.[0] ?? '';
  const load = loadavg()[0]!.toFixed(0);
  const section = `${start}\n## Benchmarks\n\n\`pnpm bench\` measures lock2nix side by side with its baselines in one run and reports ratios, because the\nmachine may be shared (${cpus().length} cores, load average about ${load} at the end of this run): the ratios in (2) and (5) were\nmeasured under the same load. Measured ${stamp} with \`${cmd}\` (${process.version}):\n\n${table}\n\n${summary}. ${extra.join(' ')}\n${toml}`;
  await writeFile(readmePath, readme.slice(0, a) + section + readme.slice(b));
}
