// The one place the converters are registered.
import type { Converter, Ecosystem } from '@lock2nix/core';
import { cargoConverter } from '@lock2nix/cargo';
import { nugetConverter } from '@lock2nix/nuget';
import { poetryConverter } from '@lock2nix/poetry';
import { yarnConverter } from '@lock2nix/yarn';

export const converters: readonly Converter[] = [cargoConverter, yarnConverter, poetryConverter, nugetConverter];

export function converterFor(eco: Ecosystem): Converter {
  const c = converters.find((x) => x.ecosystem === eco);
  if (!c) throw new Error(`no converter for ${eco}`);
  return c;
}
