// The libzip builds Yarn compresses its cache zips with, as @yarnpkg/libzip publishes them: Yarn 4 (cache
// key 10...), Yarn 3 (cache key 8) and Yarn 2.4 (cache key 7) use different ones (the one inside each Yarn
// bundle is the same wasm as the published version named here), and a deflated zip is byte-identical only
// with the same build. The core builder downloads the exact tarball (pinned by the integrity pnpm recorded for
// lock2nix's own dependency); verification uses the installed copy of the same version.

import { createRequire } from 'node:module';

export const LIBZIP_NAME = '@yarnpkg/libzip';

export interface LibzipBuild {
  version: string;
  /** sha512 of @yarnpkg/libzip-<version>.tgz (pnpm-lock.yaml) */
  integrity: string;
  /** the name lock2nix installs it under (package.json) */
  installedAs: string;
}

export const LIBZIP_YARN4: LibzipBuild = {
  version: '3.2.2',
  integrity: 'sha512-Kqxgjfy6SwwC4tTGQYToIWtUhIORTpkowqgd9kkMiBixor0eourHZZAggt/7N4WQKt9iCyPSkO3Xvr44vXUBAw==',
  installedAs: '@yarnpkg/libzip',
};

export const LIBZIP_YARN3: LibzipBuild = {
  version: '2.3.0',
  integrity: 'sha512-6xm38yGVIa6mKm/DUCF2zFFJhERh/QWp1ufm4cNUvxsONBmfPg8uZ9pZBdOmF6qFGr/HlT6ABBkCSx/dlEtvWg==',
  installedAs: '@yarnpkg/libzip-yarn3',
};

export const LIBZIP_YARN2: LibzipBuild = {
  version: '2.2.1',
  integrity: 'sha512-AYDJXrkzayoDd3ZlVgFJ+LyDX+Zj/cki3vxIpcYxejtgkl3aquVWOxlC0DD9WboBWsJFIP1MjrUbchLyh++/7A==',
  installedAs: '@yarnpkg/libzip-yarn2',
};

/** The build for a cache key whose zips lock2nix reproduces: `10`, `10c0` ... Yarn 4; `8` Yarn 3; `7` Yarn 2.4. */
export function libzipFor(cacheKey: string): LibzipBuild | undefined {
  const major = Number.parseInt(cacheKey, 10);
  if (major >= 10) return LIBZIP_YARN4;
  if (major === 8) return LIBZIP_YARN3;
  if (major === 7) return LIBZIP_YARN2;
  return undefined;
}

/**
 * Cache keys of Yarn 2.0 to 2.3 (`6` and lower, or none at all): those Yarns are not published on the npm
 * registry, so their zips could not be compared with lock2nix's. Their checksums are not verified; the builder
 * makes the zips as Yarn 2.4 does (its libzip build and timestamps), the closest known recipe.
 */
export function isUncheckedCacheKey(cacheKey: string): boolean {
  const major = Number.parseInt(cacheKey, 10);
  return !(major >= 7);
}

/** The build the core builder compresses with: the reproduced one, or Yarn 2.4's for an unchecked key. */
export function builderLibzipFor(cacheKey: string): LibzipBuild | undefined {
  return libzipFor(cacheKey) ?? (isUncheckedCacheKey(cacheKey) ? LIBZIP_YARN2 : undefined);
}

/** lib/libzipSync.js of the installed copy */
export function installedLibzipSync(build: LibzipBuild): string {
  return createRequire(import.meta.url).resolve(`${build.installedAs}/package.json`).replace(/package\.json$/, 'lib/libzipSync.js');
}

export function installedLibzipVersion(build: LibzipBuild): string {
  return (createRequire(import.meta.url)(`${build.installedAs}/package.json`) as { version: string }).version;
}
