// lock2nix as a library: the registry of converters and the project runner. (The documented API grows here.)
export * from '@lock2nix/core';
export { converters, converterFor } from './registry.ts';
export { findLockfiles, runProject, outputName, type ProjectOptions, type ProjectRun } from './project.ts';
