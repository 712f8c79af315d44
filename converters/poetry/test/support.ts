// Shared test helpers: a quiet context, an isolated environment for pip and Poetry, corpus paths.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrefetcher, silentReporter, type ConvertContext } from '@lock2nix/core';

export const CORPUS = fileURLToPath(new URL('../../../fixtures/corpus/poetry/', import.meta.url));
export const PROJECTS = fileURLToPath(new URL('../../../fixtures/projects/poetry/', import.meta.url));

/** An environment with no PIP_* / POETRY_* from the machine, pip's config files off, HOME in `home`. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('PIP_') || k.startsWith('POETRY_') || k.startsWith('VIRTUAL_ENV') || k.startsWith('PYTHON')) continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    POETRY_CONFIG_DIR: join(home, 'poetry-config'),
    POETRY_CACHE_DIR: join(home, 'poetry-cache'),
    POETRY_DATA_DIR: join(home, 'poetry-data'),
    POETRY_VIRTUALENVS_IN_PROJECT: 'true',
    POETRY_NO_INTERACTION: '1',
    ...extra,
  };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `lock2nix-poetry-${prefix}-`));
}

export async function context(opts: { offline: boolean; projectDir: string; home: string }): Promise<ConvertContext & { close(): Promise<void> }> {
  const prefetcher = createPrefetcher({ cacheDir: join(opts.home, 'lock2nix-cache'), offline: opts.offline, concurrency: 4 });
  return {
    projectDir: opts.projectDir,
    offline: opts.offline,
    prefetcher,
    reporter: silentReporter,
    env: cleanEnv(opts.home),
    close: () => prefetcher.close(),
  };
}
