// The registry settings of a Berry project: .yarnrc.yml (npmRegistryServer, npmScopes, auth) in the project
// folder and its parents, and the YARN_* environment. Auth is handed to the prefetcher only, never to output.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LockfileError } from '@lock2nix/core';
import { parseSyml } from './parsers.ts';
import { YARN_REGISTRY } from './defaults.ts';

export interface RegistryAuth {
  token?: string;
  ident?: string;
}

export interface BerrySettings {
  /** default registry, no trailing slash */
  registry: string;
  /** scope (without @) -> registry */
  scopes: Record<string, string>;
  /** registry URL -> credentials */
  auth: Map<string, RegistryAuth>;
}

/** Yarn's `${NAME}`, `${NAME:-default}` and `${NAME-default}` substitution in .yarnrc.yml values. */
function substitute(value: string, env: Record<string, string | undefined>, file: string): string {
  return value.replace(/\$\{([A-Za-z0-9_]+)(?:(:?-)([^}]*))?\}/g, (_m, name: string, op: string | undefined, def: string | undefined) => {
    const v = env[name];
    if (v !== undefined && (op !== ':-' || v !== '')) return v;
    if (op !== undefined) return def ?? '';
    throw new LockfileError(file, undefined, `environment variable ${name} is not set (used in .yarnrc.yml)`);
  });
}

function trim(u: string): string {
  return u.replace(/\/+$/, '');
}

export function readBerrySettings(projectDir: string, env: Record<string, string | undefined>): BerrySettings {
  const files: string[] = [];
  for (let d = projectDir; ; d = dirname(d)) {
    const f = join(d, '.yarnrc.yml');
    if (existsSync(f)) files.push(f);
    if (dirname(d) === d) break;
  }
  const settings: BerrySettings = { registry: YARN_REGISTRY, scopes: {}, auth: new Map() };
  let defaultAuth: RegistryAuth = {};
  // farthest first, so that the project's own file wins
  for (const f of files.reverse()) {
    let rc: Record<string, unknown>;
    try {
      rc = (parseSyml(readFileSync(f, 'utf8')) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw new LockfileError(f, undefined, `cannot read: ${(e as Error).message.split('\n')[0]}`);
    }
    const str = (v: unknown) => (typeof v === 'string' ? substitute(v, env, f) : undefined);
    const server = str(rc.npmRegistryServer);
    if (server) settings.registry = trim(server);
    const token = str(rc.npmAuthToken);
    const ident = str(rc.npmAuthIdent);
    if (token || ident) defaultAuth = { ...(token ? { token } : {}), ...(ident ? { ident } : {}) };
    if (typeof rc.npmScopes === 'object' && rc.npmScopes !== null) {
      for (const [scope, cfg] of Object.entries(rc.npmScopes as Record<string, Record<string, unknown>>)) {
        const s = scope.replace(/^@/, '');
        const reg = str(cfg?.npmRegistryServer);
        if (reg) settings.scopes[s] = trim(reg);
        const t = str(cfg?.npmAuthToken);
        const i = str(cfg?.npmAuthIdent);
        if (t || i) settings.auth.set(settings.scopes[s] ?? `@${s}`, { ...(t ? { token: t } : {}), ...(i ? { ident: i } : {}) });
      }
    }
  }
  if (env.YARN_NPM_REGISTRY_SERVER) settings.registry = trim(env.YARN_NPM_REGISTRY_SERVER);
  if (env.YARN_NPM_AUTH_TOKEN) defaultAuth = { token: env.YARN_NPM_AUTH_TOKEN };
  if ((defaultAuth.token || defaultAuth.ident) && !settings.auth.has(settings.registry)) settings.auth.set(settings.registry, defaultAuth);
  return settings;
}

export function authHeaders(a: RegistryAuth): Record<string, string> {
  if (a.token) return { authorization: `Bearer ${a.token}` };
  if (a.ident) return { authorization: `Basic ${a.ident.includes(':') ? Buffer.from(a.ident).toString('base64') : a.ident}` };
  return {};
}
