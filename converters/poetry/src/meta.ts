// What the command line needs before it converts anything (names, lockfile names, detection), without loading
// the converter's steps and their libraries: cli/src/registry.ts imports this and loads index.ts on use.
import type { ConverterInfo } from '@lock2nix/core';

export function detect(fileName: string, text: string): boolean {
  return fileName === 'poetry.lock' && /^\s*\[\[package\]\]|^\s*\[metadata\]/m.test(text);
}

export const poetryInfo: ConverterInfo = {
  ecosystem: 'poetry',
  title: 'Poetry',
  lockfileNames: ['poetry.lock'],
  builder: 'poetry.nix',
  formats: [],
  detect,
};
