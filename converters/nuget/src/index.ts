// The NuGet converter: metadata and the steps, one file each (parse, resolve, ...). Work in progress.
import { UsageError, type Converter } from '@lock2nix/core';

export const nugetConverter: Converter = {
  ecosystem: 'nuget',
  title: 'NuGet',
  lockfileNames: ['project.assets.json', 'packages.lock.json'],
  builder: 'nuget.nix',
  detect: (fileName) => ['project.assets.json', 'packages.lock.json'].includes(fileName),
  parse() {
    throw new UsageError('the NuGet converter is not implemented yet');
  },
  async resolve() {
    throw new UsageError('the NuGet converter is not implemented yet');
  },
};

export default nugetConverter;
