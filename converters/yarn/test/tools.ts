// Running the real yarn 1, Yarn 2.4, 3.8 and 4 (installed as dev dependencies) in a sealed environment: own HOME,
// caches and config, the loopback registry only, nothing from the machine's npm or yarn configuration.

import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export const YARN1 = require.resolve('yarn/bin/yarn.js');
export const YARN4 = require.resolve('@yarnpkg/cli-dist/bin/yarn.js');
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO, 'cli/bin/lock2nix.js');
export const PROJECTS = join(REPO, 'fixtures/projects/yarn/');

/** The environment with every npm/yarn setting of the machine removed, HOME and caches in `home`. */
export function sealedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|yarn_|berry_|corepack_)/i.test(k) || /proxy$/i.test(k) || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    YARN_CACHE_FOLDER: join(home, 'yarn-cache'),
    npm_config_userconfig: join(home, '.npmrc'),
    npm_config_globalconfig: join(home, 'npmrc-global'),
    YARN_IGNORE_PATH: '1',
    COREPACK_ENABLE_STRICT: '0',
    CI: '1',
    ...extra,
  };
}

export async function yarn(bin: string, cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const node = bin === YARN2 ? ['--require', YARN2_COMPAT] : [];
    const { stdout, stderr } = await run(process.execPath, [...node, bin, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`yarn ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  }
}

export async function lock2nix(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`lock2nix ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  }
}

/** Copy a fixture project into a fresh folder, replacing `@NAME@` placeholders in its text files. */
export async function copyProject(name: string, vars: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lock2nix-yarn-${name}-`));
  await cp(join(PROJECTS, name), dir, { recursive: true });
  const { readdir } = await import('node:fs/promises');
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.(json|yml|yaml|patch|js)$|^\.yarnrc/.test(e.name)) continue;
    const p = join(e.parentPath, e.name);
    let text = await readFile(p, 'utf8');
    for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`@${k}@`, v);
    await writeFile(p, text);
  }
  return dir;
}

export async function tempHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'lock2nix-yarn-home-'));
  await mkdir(join(home, '.config'), { recursive: true });
  return home;
}

/** Yarn 2.4 and Yarn 3.8 (dev dependencies installed under aliases), for their lockfiles and cache zips. */
export const YARN2 = require.resolve('@yarnpkg/cli-dist-yarn2/bin/yarn.js');
/** Yarn 2.4 needs util.isDate, gone since Node 23: put back by a preloaded file when `yarn` runs YARN2 */
const YARN2_COMPAT = fileURLToPath(new URL('./yarn2-node-compat.cjs', import.meta.url));
export const YARN3 = require.resolve('@yarnpkg/cli-dist-yarn3/bin/yarn.js');
