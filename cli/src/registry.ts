// The one place the converters are registered. What each one is (its meta.ts: names, lockfile names,
// detection) is imported here; the converter itself (its index.ts, with its parsers and libraries) is imported
// only when a lockfile of its ecosystem is converted, so that a run pays for the converters it uses alone.
import type { Converter, ConverterInfo, Ecosystem } from '@lock2nix/core';
import { cargoInfo } from '@lock2nix/cargo/meta';
import { nugetInfo } from '@lock2nix/nuget/meta';
import { poetryInfo } from '@lock2nix/poetry/meta';
import { yarnInfo } from '@lock2nix/yarn/meta';

export interface RegisteredConverter extends ConverterInfo {
  /** the converter itself (imported on the first call) */
  load(): Promise<Converter>;
}

export const registry: readonly RegisteredConverter[] = [
  { ...cargoInfo, load: async () => (await import('@lock2nix/cargo')).cargoConverter as Converter },
  { ...yarnInfo, load: async () => (await import('@lock2nix/yarn')).yarnConverter as Converter },
  { ...poetryInfo, load: async () => (await import('@lock2nix/poetry')).poetryConverter as Converter },
  { ...nugetInfo, load: async () => (await import('@lock2nix/nuget')).nugetConverter as Converter },
];

/** What is registered for an ecosystem; throws when nothing is. */
export function infoFor(eco: Ecosystem): RegisteredConverter {
  const c = registry.find((x) => x.ecosystem === eco);
  if (!c) throw new Error(`no converter for ${eco}`);
  return c;
}

/** The converter for an ecosystem, imported when first asked for. */
export function loadConverter(eco: Ecosystem): Promise<Converter> {
  return infoFor(eco).load();
}

/** Every converter, in registration order (for tools and tests that go through them all). */
export function loadConverters(): Promise<Converter[]> {
  return Promise.all(registry.map((c) => c.load()));
}
