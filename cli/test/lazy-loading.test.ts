// What the command line loads: a conversion imports the converter of its ecosystem only (cli/src/registry.ts
// keeps the others to their meta.ts), and an offline one neither the HTTP client nor the archive readers. The
// real launcher runs in a child process with a module hook that records every module it loads.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/lock2nix.js', import.meta.url));
const run = promisify(execFile);

const HOOK = `import module from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = new Set();
module.registerHooks({ load(url, context, next) { loaded.add(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.LOADED_LIST, [...loaded].join('\\n')));
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-lazy-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('lock2nix cargo --offline loads the Cargo converter alone, and not undici, tar or yauzl', async () => {
  const project = join(dir, 'project');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'Cargo.lock'), `version = 4\n\n[[package]]\nname = "itoa"\nversion = "1.0.11"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${'ab'.repeat(32)}"\n`);
  const hook = join(dir, 'hook.mjs');
  await writeFile(hook, HOOK);
  const list = join(dir, 'loaded.txt');
  const env = { PATH: process.env.PATH, HOME: dir, CARGO_HOME: join(dir, 'cargo-home'), LOADED_LIST: list };
  await run(process.execPath, ['--import', hook, BIN, 'cargo', '--offline', '-q', '--out', join(dir, 'out'), '--cache-dir', join(dir, 'cache')], { cwd: project, env });
  expect(JSON.parse(await readFile(join(dir, 'out', 'cargo.json'), 'utf8'))).toMatchObject({ ecosystem: 'cargo' });
  const loaded = (await readFile(list, 'utf8')).split('\n');
  expect(loaded.filter((u) => /\/converters\/cargo\/src\/index\.ts$/.test(u))).toHaveLength(1);
  expect(loaded.filter((u) => /\/converters\/(yarn|poetry|nuget)\/src\/(?!meta\.ts$)/.test(u))).toEqual([]);
  expect(loaded.filter((u) => /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(undici|tar|yauzl)\//.test(u))).toEqual([]);
}, 60_000);
