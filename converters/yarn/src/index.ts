// The Yarn converter: metadata and the steps, one file each (parse-v1, parse-berry, resolve-v1,
// resolve-berry, berry-zip).
import { LockfileError, type Converter, type NixData } from '@lock2nix/core';
import { parseV1 } from './parse-v1.ts';
import { resolveV1 } from './resolve-v1.ts';
import type { YarnLock } from './schema.ts';

function isBerryText(text: string): boolean {
  return /^"?__metadata"?:/m.test(text);
}

export const yarnConverter: Converter<YarnLock> = {
  ecosystem: 'yarn',
  title: 'Yarn',
  lockfileNames: ['yarn.lock'],
  builder: 'yarn.nix',
  detect: (fileName, text) => fileName === 'yarn.lock' && (isBerryText(text) || /^# yarn lockfile v1\b/m.test(text) || /^\S.*:\s*$/m.test(text)),
  parse(file, text) {
    if (isBerryText(text)) throw new LockfileError(file, undefined, 'Berry lockfiles are not supported yet');
    return { ecosystem: 'yarn', file, format: 'yarn.lock v1', native: parseV1(file, text) };
  },
  async resolve(lock) {
    const native = lock.native;
    if (native.kind === 'v1') {
      const { artifacts, warnings } = resolveV1(lock.file, native);
      const meta: NixData = { flavour: 'classic' };
      return { artifacts, meta, warnings };
    }
    throw new LockfileError(lock.file, undefined, 'Berry lockfiles are not supported yet');
  },
};

export default yarnConverter;
