// @lock2nix/core: the lock model, the converter interface, hashing, Nix printing, prefetching and output.
export * from './model.ts';
export * from './errors.ts';
export * from './converter.ts';
export * from './report.ts';
export * from './paths.ts';
export * from './pin.ts';
export * from './render.ts';
export * from './pipeline.ts';
export * from './output.ts';
export * from './nix/print.ts';
export * from './hash/encode.ts';
export type * from './fetch/types.ts';
export * from './fetch/prefetcher.ts';
export * from './hash/nar.ts';
export * from './toml.ts';
