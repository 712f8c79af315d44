// Credentials and index settings from the user's own Poetry and pip configuration. Credentials are handed
// to the prefetcher (request headers only); they are never logged and never written to the output.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseToml, type TomlTable } from '@lock2nix/core';

export type Env = Record<string, string | undefined>;

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function home(env: Env): string {
  return env.HOME || homedir();
}

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** Poetry's credentials for a source name: POETRY_HTTP_BASIC_<NAME>_USERNAME/PASSWORD, then auth.toml. */
export async function poetryCredentials(sourceName: string, env: Env): Promise<Record<string, string> | undefined> {
  const key = sourceName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const user = env[`POETRY_HTTP_BASIC_${key}_USERNAME`];
  const pass = env[`POETRY_HTTP_BASIC_${key}_PASSWORD`];
  if (user !== undefined || pass !== undefined) return basic(user ?? '', pass ?? '');
  const dir = env.POETRY_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home(env), '.config'), 'pypoetry');
  const text = await readText(join(dir, 'auth.toml'));
  if (text === undefined) return undefined;
  let doc: TomlTable;
  try {
    doc = parseToml(join(dir, 'auth.toml'), text);
  } catch {
    return undefined;
  }
  const hb = isTable(doc['http-basic']) ? doc['http-basic'][sourceName] : undefined;
  if (isTable(hb) && typeof hb.username === 'string') return basic(hb.username, typeof hb.password === 'string' ? hb.password : '');
  return undefined;
}

/** pip's configuration files in pip's order (later wins); PIP_CONFIG_FILE=/dev/null turns them all off. */
function pipConfigFiles(env: Env): string[] {
  const named = env.PIP_CONFIG_FILE;
  if (named === '/dev/null' || named === 'nul') return [];
  const h = home(env);
  const files = ['/etc/pip.conf', '/etc/xdg/pip/pip.conf', join(h, '.pip', 'pip.conf'), join(env.XDG_CONFIG_HOME || join(h, '.config'), 'pip', 'pip.conf')];
  if (named) files.push(named);
  return files;
}

/** A key from pip's configuration: PIP_<KEY> first, then [install] and [global] of its files. */
export async function pipSetting(key: string, env: Env): Promise<string | undefined> {
  const fromEnv = env[`PIP_${key.toUpperCase().replace(/-/g, '_')}`];
  if (fromEnv) return fromEnv;
  let found: string | undefined;
  for (const file of pipConfigFiles(env)) {
    const text = await readText(file);
    if (text === undefined) continue;
    let section = '';
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      const sec = /^\[(.+)\]$/.exec(line);
      if (sec) { section = sec[1]!.trim(); continue; }
      const kv = /^([A-Za-z0-9_-]+)\s*[=:]\s*(.*)$/.exec(line);
      if (kv && (section === 'global' || section === 'install') && kv[1]!.replace(/_/g, '-') === key) found = kv[2]!.trim();
    }
  }
  return found;
}

/** Split credentials out of a URL: the clean URL (safe to print and emit) and a header, if any. */
export function splitUserinfo(url: string): { url: string; headers?: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (!u.username && !u.password) return { url };
  const headers = basic(decodeURIComponent(u.username), decodeURIComponent(u.password));
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers };
}
