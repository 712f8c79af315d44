// The Cargo converter: metadata and the steps, one file each (parse, resolve, ...). Work in progress.
import { UsageError, type Converter } from '@lock2nix/core';

export const cargoConverter: Converter = {
  ecosystem: 'cargo',
  title: 'Cargo',
  lockfileNames: ['Cargo.lock'],
  builder: 'cargo.nix',
  detect: (fileName) => ['Cargo.lock'].includes(fileName),
  parse() {
    throw new UsageError('the Cargo converter is not implemented yet');
  },
  async resolve() {
    throw new UsageError('the Cargo converter is not implemented yet');
  },
};

export default cargoConverter;
