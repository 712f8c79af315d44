// The Poetry converter: metadata and the steps, one file each (parse, resolve, build-system).
import type { Converter } from '@lock2nix/core';
import { buildSystemFinish } from './buildsystem.ts';
import { detect, parse } from './parse.ts';
import { resolve } from './resolve.ts';
import type { PoetryLock } from './schema.ts';

export const poetryConverter: Converter<PoetryLock> = {
  ecosystem: 'poetry',
  title: 'Poetry',
  lockfileNames: ['poetry.lock'],
  builder: 'poetry.nix',
  // a lock lists every platform's wheels; their sha256 is the file's own, so Nix can fetch lazily
  pinStatedFileHashes: true,
  detect,
  parse,
  resolve,
  finish: buildSystemFinish,
};

export default poetryConverter;
