// Shared by the Yarn tests: running a conversion, evaluating its output with the harness package set.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertFile, createPrefetcher, silentReporter, type ConvertResult } from '@lock2nix/core';
import { TEMPLATES_DIR, TEST_PKGS } from '@lock2nix/fixtures';
import { yarnConverter } from '../src/index.ts';

export async function convert(file: string, opts: { offline: boolean; cacheDir?: string; env?: Record<string, string | undefined> }): Promise<ConvertResult> {
  const cacheDir = opts.cacheDir ?? (await mkdtemp(join(tmpdir(), 'lock2nix-yarn-cache-')));
  const prefetcher = createPrefetcher({ cacheDir, offline: opts.offline, retries: 1, backoffMs: 10 });
  return convertFile(yarnConverter, file, { offline: opts.offline, prefetcher, reporter: silentReporter, env: opts.env ?? {} });
}

/** A Nix expression: the core builder called with the harness package set on a data file. */
export function builderExpr(dataFile: string, extra = ''): string {
  return `(import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/yarn.nix { lock = builtins.fromJSON (builtins.readFile ${dataFile}); ${extra} }`;
}

/**
 * Evaluates every entry alone (unpinned ones throw, caught by tryEval), then instantiates the builder on the
 * entries that evaluate. Returns how many threw.
 */
export function evalExpr(dataFile: string): string {
  return `let
    pkgs = import ${TEST_PKGS} { };
    lock = builtins.fromJSON (builtins.readFile ${dataFile});
    ok = builtins.listToAttrs (builtins.filter (x: x != null) (map (k:
      if lock.artifacts.\${k} ? unpinned then null else { name = k; value = lock.artifacts.\${k}; })
      (builtins.attrNames lock.artifacts)));
    drv = pkgs.callPackage ${TEMPLATES_DIR}lib/yarn.nix { lock = lock // { artifacts = ok; }; };
  in { unpinned = builtins.length (builtins.attrNames lock.artifacts) - builtins.length (builtins.attrNames ok); drv = drv.drvPath; }`;
}

/**
 * A git dependency for the Berry end-to-end tests: Yarn clones it and zips what `yarn pack` makes of it (a
 * .gitignore'd folder, a `bin` file, an executable that is not a bin, a symlink, a .npmignore in a subfolder).
 */
export const GITDEP = {
  'package.json': JSON.stringify({ name: 'gitdep', version: '2.0.0', main: 'index.js', bin: { gitdep: './bin/cli.js' } }, null, 2) + '\n',
  'index.js': 'module.exports = "from git";\n',
  'bin/cli.js': { executable: '#!/usr/bin/env node\n' },
  'tool.sh': { executable: 'echo\n' },
  'alias.js': { symlink: 'index.js' },
  '.gitignore': 'dist\n*.log\n',
  'dist/built.js': 'ignored\n',
  'debug.log': 'ignored\n',
  'sub/.npmignore': 'skip.js\n',
  'sub/skip.js': 'ignored\n',
  'sub/keep.js': 'kept\n',
};
