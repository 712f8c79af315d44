// lock2nix as a library. The documented API is in api.ts (see the README's "Library" section); the lower
// layers (core, the converter registry, the project runner, `update`) are exported for tools built on them.
export * from '@lock2nix/core';
export { convert, readLock, prefetch, supportedEcosystems, detectEcosystem, type LockfileInput, type FetchOptions, type ProgressInfo, type LockModel, type Conversion, type EcosystemInfo, type PrefetchResult } from './api.ts';
export { registry, infoFor, loadConverter, loadConverters, type RegisteredConverter } from './registry.ts';
export { findLockfiles, runProject, outputName, type ProjectOptions, type ProjectRun } from './project.ts';
export * from './update/index.ts';
