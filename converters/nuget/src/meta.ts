// What the command line needs before it converts anything (names, lockfile names, detection), without loading
// the converter's steps and their libraries: cli/src/registry.ts imports this and loads index.ts on use.
import type { ConverterInfo } from '@lock2nix/core';

export const ASSETS_FILE = 'project.assets.json';
export const PACKAGES_LOCK_FILE = 'packages.lock.json';

export const nugetInfo: ConverterInfo = {
  ecosystem: 'nuget',
  title: 'NuGet',
  lockfileNames: [ASSETS_FILE, PACKAGES_LOCK_FILE],
  builder: 'nuget.nix',
  formats: ['nixpkgs'],
  detect(fileName, text) {
    const base = fileName.replace(/^.*[\\/]/, '');
    if (base === ASSETS_FILE) return /"libraries"\s*:/.test(text) && /"version"\s*:\s*3\b/.test(text);
    if (base === PACKAGES_LOCK_FILE) return /"dependencies"\s*:/.test(text) && /"version"\s*:\s*[12]\b/.test(text);
    return false;
  },
};
