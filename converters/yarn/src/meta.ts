// What the command line needs before it converts anything (names, lockfile names, detection), without loading
// the converter's steps and their libraries: cli/src/registry.ts imports this and loads index.ts on use.
import type { ConverterInfo } from '@lock2nix/core';

/** A Berry lockfile starts its entries with a `__metadata` block. */
export function isBerryText(text: string): boolean {
  return /^"?__metadata"?:/m.test(text);
}

export const yarnInfo: ConverterInfo = {
  ecosystem: 'yarn',
  title: 'Yarn',
  lockfileNames: ['yarn.lock'],
  builder: 'yarn.nix',
  formats: [],
  detect: (fileName, text) => fileName === 'yarn.lock' && (isBerryText(text) || /^# yarn lockfile v1\b/m.test(text) || /^\S.*:\s*$/m.test(text)),
};
