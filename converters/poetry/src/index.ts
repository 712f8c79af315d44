// The Poetry converter: metadata and the steps, one file each (parse, resolve, build-system).
import type { Converter } from '@lock2nix/core';
import { buildSystemFinish } from './buildsystem.ts';
import { poetryInfo } from './meta.ts';
import { parse } from './parse.ts';
import { resolve } from './resolve.ts';
import type { PoetryLock } from './schema.ts';

export const poetryConverter: Converter<PoetryLock> = {
  ecosystem: poetryInfo.ecosystem,
  title: poetryInfo.title,
  lockfileNames: poetryInfo.lockfileNames,
  builder: poetryInfo.builder,
  // a lock lists every platform's wheels; their sha256 is the file's own, so Nix can fetch lazily
  pinStatedFileHashes: true,
  // poetry.lock records no URLs: --offline takes an index file's URL from the earlier output (resolve.ts, earlierUrl)
  offlineReusesEarlierOutput: true,
  detect: poetryInfo.detect,
  parse,
  resolve,
  finish: buildSystemFinish,
};

export default poetryConverter;
