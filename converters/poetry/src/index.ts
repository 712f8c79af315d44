// The Poetry converter: metadata and the steps, one file each (parse, resolve, ...). Work in progress.
import { UsageError, type Converter } from '@lock2nix/core';

export const poetryConverter: Converter = {
  ecosystem: 'poetry',
  title: 'Poetry',
  lockfileNames: ['poetry.lock'],
  builder: 'poetry.nix',
  detect: (fileName) => ['poetry.lock'].includes(fileName),
  parse() {
    throw new UsageError('the Poetry converter is not implemented yet');
  },
  async resolve() {
    throw new UsageError('the Poetry converter is not implemented yet');
  },
};

export default poetryConverter;
