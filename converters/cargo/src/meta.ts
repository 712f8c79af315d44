// What the command line needs before it converts anything (names, lockfile names, detection), without loading
// the converter's steps and their libraries: cli/src/registry.ts imports this and loads index.ts on use.
import type { ConverterInfo } from '@lock2nix/core';

export const cargoInfo: ConverterInfo = {
  ecosystem: 'cargo',
  title: 'Cargo',
  lockfileNames: ['Cargo.lock'],
  builder: 'cargo.nix',
  formats: [],
  detect: (fileName, text) => fileName === 'Cargo.lock' && (text.includes('[[package]]') || text.includes('[root]') || /^\s*version\s*=/m.test(text)),
};
