// Alternative registries (and a crates.io mirror set up by source replacement): read `config.json` for the
// `dl` template, and register the user's token for the registry's own URLs.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FetchError, Lock2nixError, type ConvertContext } from '@lock2nix/core';
import { dlPrefix, sparseConfigUrl } from './dl.ts';

const run = promisify(execFile);

export interface RegistryConfig {
  dl: string;
  authRequired: boolean;
}

function parseConfigJson(where: string, body: string): RegistryConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new Lock2nixError(`${where}: config.json is not JSON (${(e as Error).message})`);
  }
  const d = doc as { dl?: unknown; 'auth-required'?: unknown };
  if (typeof d !== 'object' || d === null || typeof d.dl !== 'string' || d.dl === '') throw new Lock2nixError(`${where}: config.json has no "dl" download template`);
  return { dl: d.dl, authRequired: d['auth-required'] === true };
}

/** The commit a git index's default branch points at (the native `git`, as cargo's git index access would). */
async function gitHead(url: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['ls-remote', '--', url, 'HEAD'], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, timeout: 120_000 });
    const rev = /^([0-9a-f]{40,64})\s/m.exec(stdout)?.[1];
    if (!rev) throw new Error('no HEAD');
    return rev;
  } catch (e) {
    throw new FetchError(url, `cannot read the git index's HEAD: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Read a registry's config.json. `protocol` sparse: `<index>/config.json` over HTTP; git: the file at the top
 * of the index repository's default branch.
 */
export async function readRegistryConfig(protocol: 'sparse' | 'git', index: string, token: string | undefined, ctx: ConvertContext): Promise<RegistryConfig> {
  if (token) ctx.prefetcher.authorize(index, { authorization: token });
  if (protocol === 'sparse') {
    const url = sparseConfigUrl(index);
    const res = await ctx.prefetcher.text({ url, accept: 'application/json' });
    if (res.status !== 200) {
      throw new FetchError(url, `HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (a token for this registry goes in $CARGO_HOME/credentials.toml or CARGO_REGISTRIES_<NAME>_TOKEN)' : ''}`);
    }
    return finishConfig(parseConfigJson(url, res.body), token, ctx);
  }
  const rev = await gitHead(index);
  const tree = await ctx.prefetcher.git({ url: index, rev, submodules: false, pkg: `registry index ${index}` });
  const text = await readFile(join(tree.dir, 'config.json'), 'utf8').catch(() => {
    throw new FetchError(index, 'the git index has no config.json at its top');
  });
  return finishConfig(parseConfigJson(index, text), token, ctx);
}

function finishConfig(cfg: RegistryConfig, token: string | undefined, ctx: ConvertContext): RegistryConfig {
  // cargo sends the token with downloads only when the registry asks for it
  if (token && cfg.authRequired) ctx.prefetcher.authorize(dlPrefix(cfg.dl), { authorization: token });
  return cfg;
}
