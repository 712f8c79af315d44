// The Yarn converter: metadata and the steps, one file each (parse, resolve, ...). Work in progress.
import { UsageError, type Converter } from '@lock2nix/core';

export const yarnConverter: Converter = {
  ecosystem: 'yarn',
  title: 'Yarn',
  lockfileNames: ['yarn.lock'],
  builder: 'yarn.nix',
  detect: (fileName) => ['yarn.lock'].includes(fileName),
  parse() {
    throw new UsageError('the Yarn converter is not implemented yet');
  },
  async resolve() {
    throw new UsageError('the Yarn converter is not implemented yet');
  },
};

export default yarnConverter;
