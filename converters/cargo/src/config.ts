// The user's Cargo configuration, read the way cargo reads it: `.cargo/config.toml` (or `.cargo/config`) in
// the project folder and every parent, then `$CARGO_HOME/config.toml`, then CARGO_REGISTRIES_* variables.
// Nearer files win. Only what lock2nix needs: registry indexes, crates.io source replacement, and tokens
// (tokens are used for our downloads only and never written anywhere).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseToml, type TomlTable } from '@lock2nix/core';

export interface CargoConfig {
  /** `[registries.<name>] index`, as written (`sparse+https://…/` or a git URL) */
  registries: Map<string, string>;
  /** where each registry's index was set: a config file, or `env` */
  registryOrigin: Map<string, string>;
  /** tokens by registry name; `crates-io` for `[registry] token` */
  tokens: Map<string, string>;
  /** `[source.crates-io] replace-with` resolved to an index (`sparse+…` or a git URL), when it names a registry */
  cratesIoReplacement?: { name: string; index: string };
  /** config files read, nearest first (for messages) */
  files: string[];
}

function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function cargoHome(env: Record<string, string | undefined>): string | undefined {
  if (env.CARGO_HOME) return env.CARGO_HOME;
  return env.HOME ? join(env.HOME, '.cargo') : undefined;
}

/** Config files, highest priority first. */
export function configFiles(projectDir: string, env: Record<string, string | undefined>): string[] {
  const files: string[] = [];
  let dir = resolve(projectDir);
  for (;;) {
    for (const n of ['config.toml', 'config']) {
      const f = join(dir, '.cargo', n);
      if (existsSync(f)) {
        files.push(f);
        break;
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const home = cargoHome(env);
  if (home) {
    for (const n of ['config.toml', 'config']) {
      const f = join(resolve(home), n);
      if (existsSync(f) && !files.includes(f)) {
        files.push(f);
        break;
      }
    }
  }
  return files;
}

function credentialFiles(env: Record<string, string | undefined>): string[] {
  const home = cargoHome(env);
  if (!home) return [];
  return ['credentials.toml', 'credentials'].map((n) => join(resolve(home), n)).filter((f) => existsSync(f)).slice(0, 1);
}

export function readCargoConfig(projectDir: string, env: Record<string, string | undefined>): CargoConfig {
  const files = configFiles(projectDir, env);
  const registries = new Map<string, string>();
  const registryOrigin = new Map<string, string>();
  const tokens = new Map<string, string>();
  const sources = new Map<string, TomlTable>();
  // lowest priority first, so that nearer files overwrite
  for (const f of [...credentialFiles(env), ...[...files].reverse()]) {
    const doc = parseToml(f, readFileSync(f, 'utf8'));
    if (isTable(doc.registries)) {
      for (const [name, r] of Object.entries(doc.registries)) {
        if (!isTable(r)) continue;
        if (typeof r.index === 'string') {
          registries.set(name, r.index);
          registryOrigin.set(name, f);
        }
        if (typeof r.token === 'string') tokens.set(name, r.token);
      }
    }
    if (isTable(doc.registry) && typeof doc.registry.token === 'string') tokens.set('crates-io', doc.registry.token);
    if (isTable(doc.source)) {
      for (const [name, s] of Object.entries(doc.source)) if (isTable(s)) sources.set(name, { ...(sources.get(name) ?? {}), ...s });
    }
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const m = /^CARGO_REGISTRIES_([A-Z0-9_]+)_(INDEX|TOKEN)$/.exec(k);
    if (m) {
      // cargo maps the name by upper-casing and replacing '-' with '_'; find the configured spelling
      const wanted = m[1]!;
      const name = [...registries.keys()].find((n) => n.toUpperCase().replace(/-/g, '_') === wanted) ?? wanted.toLowerCase().replace(/_/g, '-');
      if (m[2] === 'INDEX') {
        registries.set(name, v);
        registryOrigin.set(name, 'env');
      } else tokens.set(name, v);
    }
  }
  if (env.CARGO_REGISTRY_TOKEN) tokens.set('crates-io', env.CARGO_REGISTRY_TOKEN);

  let cratesIoReplacement: CargoConfig['cratesIoReplacement'];
  const seen = new Set<string>();
  let name = 'crates-io';
  // follow replace-with chains to a source that has an index
  for (;;) {
    const s = sources.get(name);
    const next = s && typeof s['replace-with'] === 'string' ? s['replace-with'] : undefined;
    if (!next || seen.has(next)) break;
    seen.add(next);
    name = next;
    const target = sources.get(name);
    if (target && typeof target.registry === 'string') {
      cratesIoReplacement = { name, index: target.registry };
    } else if (registries.has(name)) {
      cratesIoReplacement = { name, index: registries.get(name)! };
    }
  }
  return { registries, registryOrigin, tokens, ...(cratesIoReplacement ? { cratesIoReplacement } : {}), files };
}

/** The protocol and plain URL of an index as written in config: `sparse+https://…/` or a git URL. */
export function indexIdentity(index: string): { protocol: 'sparse' | 'git'; url: string } {
  if (index.startsWith('sparse+')) return { protocol: 'sparse', url: index.slice('sparse+'.length) };
  if (index.startsWith('registry+')) return { protocol: 'git', url: index.slice('registry+'.length) };
  return { protocol: 'git', url: index };
}
