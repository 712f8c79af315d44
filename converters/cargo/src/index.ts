// The Cargo converter: Cargo.lock v1–v4 to pinned crates and git trees, assembled by templates/lib/cargo.nix
// into a vendor directory with its `.cargo/config.toml` source replacement. Steps: parse.ts (lockfile),
// resolve.ts (URLs and checksums), finish.ts (crates inside git trees, workspace inheritance).
import type { Converter, ParsedLock, Resolved } from '@lock2nix/core';
import { finishCargo } from './finish.ts';
import { cargoInfo } from './meta.ts';
import { parseCargoLock } from './parse.ts';
import { resolveCargo } from './resolve.ts';
import type { CargoLock } from './schema.ts';

/** finish() is not handed the lock; remember which lock each resolution came from (for messages). */
const lockOf = new WeakMap<Resolved, ParsedLock<CargoLock>>();

export const cargoConverter: Converter<CargoLock> = {
  ecosystem: cargoInfo.ecosystem,
  title: cargoInfo.title,
  lockfileNames: cargoInfo.lockfileNames,
  builder: cargoInfo.builder,
  detect: cargoInfo.detect,
  parse(file, text): ParsedLock<CargoLock> {
    const native = parseCargoLock(file, text);
    return { ecosystem: 'cargo', file, format: `Cargo.lock v${native.version}`, native };
  },
  async resolve(lock, ctx) {
    const r = await resolveCargo(lock, ctx);
    lockOf.set(r, lock);
    return r;
  },
  async finish(pinned, resolved, ctx) {
    const lock = lockOf.get(resolved);
    if (!lock) return { artifacts: pinned, ...(resolved.meta !== undefined ? { meta: resolved.meta } : {}) };
    return finishCargo(lock, pinned, resolved, ctx);
  },
};

export default cargoConverter;
export { parseCargoLock } from './parse.ts';
export { expandDl, cratePrefix } from './dl.ts';
