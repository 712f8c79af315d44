// The two third-party yarn.lock parsers, each loaded on its first use: a classic lockfile never loads
// @yarnpkg/parsers (nor js-yaml under it), a Berry one never loads @yarnpkg/lockfile. Both are CommonJS packages,
// loaded through require so that Node and vitest see the same module (action/build.ts turns the calls into imports).
import { createRequire } from 'node:module';
import type * as ClassicLib from '@yarnpkg/lockfile';
import type * as SymlLib from '@yarnpkg/parsers';

let classic: typeof ClassicLib | undefined;
let syml: typeof SymlLib | undefined;

/** @yarnpkg/lockfile: the classic (v1) yarn.lock parser */
export const classicParser = (): typeof ClassicLib => (classic ??= createRequire(import.meta.url)('@yarnpkg/lockfile') as typeof ClassicLib);

/** @yarnpkg/parsers' parseSyml: Berry's yarn.lock and .yarnrc.yml */
export const parseSyml = (text: string): unknown => (syml ??= createRequire(import.meta.url)('@yarnpkg/parsers') as typeof SymlLib).parseSyml(text);
