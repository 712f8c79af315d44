// The libzip build Yarn 4 compresses its cache zips with, as @yarnpkg/libzip publishes it. The core builder
// downloads this exact tarball (pinned by the integrity pnpm recorded for lock2nix's own dependency) to
// compress deflated zips byte for byte; verification uses the installed copy, which must be the same version.

import { createRequire } from 'node:module';

export const LIBZIP_NAME = '@yarnpkg/libzip';
export const LIBZIP_VERSION = '3.2.2';
/** sha512 of @yarnpkg/libzip-3.2.2.tgz (pnpm-lock.yaml) */
export const LIBZIP_INTEGRITY = 'sha512-Kqxgjfy6SwwC4tTGQYToIWtUhIORTpkowqgd9kkMiBixor0eourHZZAggt/7N4WQKt9iCyPSkO3Xvr44vXUBAw==';

/** lib/libzipSync.js of the installed @yarnpkg/libzip */
export function installedLibzipSync(): string {
  return createRequire(import.meta.url).resolve(LIBZIP_NAME).replace(/sync\.js$/, 'libzipSync.js');
}

export function installedLibzipVersion(): string {
  return (createRequire(import.meta.url)(`${LIBZIP_NAME}/package.json`) as { version: string }).version;
}
