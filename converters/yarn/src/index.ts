// The Yarn converter: metadata and the steps, one file each: parse-v1 / resolve-v1 (classic), parse-berry /
// resolve-berry / yarnrc (Berry), templates/lib/yarn-berry-zip.mjs (Yarn's cache zip, shared with the core builder), verify.
import { LockfileError, type Converter, type NixData } from '@lock2nix/core';
import { parseBerry } from './parse-berry.ts';
import { parseV1 } from './parse-v1.ts';
import { resolveBerry } from './resolve-berry.ts';
import { resolveV1 } from './resolve-v1.ts';
import { isBerryText, yarnInfo } from './meta.ts';
import type { YarnLock } from './schema.ts';
import { verifyBerryZip } from './verify.ts';

export const yarnConverter: Converter<YarnLock> = {
  ecosystem: yarnInfo.ecosystem,
  title: yarnInfo.title,
  lockfileNames: yarnInfo.lockfileNames,
  builder: yarnInfo.builder,
  detect: yarnInfo.detect,
  parse(file, text) {
    if (isBerryText(text)) {
      const native = parseBerry(file, text);
      return { ecosystem: 'yarn', file, format: `yarn.lock (Berry, __metadata ${native.version}, cacheKey ${native.cacheKey})`, native };
    }
    return { ecosystem: 'yarn', file, format: 'yarn.lock v1', native: parseV1(file, text) };
  },
  async resolve(lock, ctx) {
    const native = lock.native;
    if (native.kind === 'v1') {
      const { artifacts, warnings } = resolveV1(lock.file, native);
      const meta: NixData = { flavour: 'classic' };
      return { artifacts, meta, warnings };
    }
    if (native.kind === 'berry') return resolveBerry(lock.file, native, ctx);
    throw new LockfileError(lock.file, undefined, 'unknown yarn.lock flavour');
  },
  verify: verifyBerryZip,
};

export default yarnConverter;
