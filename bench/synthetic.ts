// A tiny Converter for benchmarks and the reliability suite: one JSON object per line,
// `{"name": ..., "version": ..., "url": ..., "sha256"?: ..., "sha512"?: ..., "cachePath"?: ...}`. It goes through core's real
// pipeline (convertText: parse -> resolve -> pinAll -> render) like any converter, without depending on
// one being finished. Lines starting with `#` and blank lines are ignored.

import { LockfileError, storeName, type Artifact, type Converter, type Ecosystem, type ParsedLock } from '../core/src/index.ts';

export interface SyntheticEntry {
  name: string;
  version: string;
  url: string;
  /** lowercase hex sha256 of the file's bytes (stated as a `file` hash) */
  sha256?: string;
  /** lowercase hex sha512 of the file's bytes (stated as a `file` hash, as a yarn.lock integrity is) */
  sha512?: string;
  cachePath?: string;
  line: number;
}

export const SYNTHETIC_HEADER = '# lock2nix synthetic lock v1';

export function syntheticConverter(ecosystem: Ecosystem = 'yarn'): Converter<SyntheticEntry[]> {
  return {
    ecosystem,
    title: 'Synthetic',
    lockfileNames: ['synthetic.lock'],
    builder: `${ecosystem}.nix`,
    detect: (_name, text) => text.startsWith(SYNTHETIC_HEADER),
    parse(file, text): ParsedLock<SyntheticEntry[]> {
      const entries: SyntheticEntry[] = [];
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i]!.trim();
        if (raw === '' || raw.startsWith('#')) continue;
        let v: unknown;
        try {
          v = JSON.parse(raw);
        } catch (e) {
          throw new LockfileError(file, i + 1, `not a JSON object: ${(e as Error).message}`);
        }
        const o = v as Record<string, unknown>;
        if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new LockfileError(file, i + 1, 'expected a JSON object');
        for (const k of ['name', 'version', 'url'] as const) {
          if (typeof o[k] !== 'string' || o[k] === '') throw new LockfileError(file, i + 1, `missing or empty ${k}`);
        }
        if (o.sha256 !== undefined && (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256))) {
          throw new LockfileError(file, i + 1, 'sha256 must be 64 lowercase hex digits');
        }
        if (o.sha512 !== undefined && (typeof o.sha512 !== 'string' || !/^[0-9a-f]{128}$/.test(o.sha512))) {
          throw new LockfileError(file, i + 1, 'sha512 must be 128 lowercase hex digits');
        }
        if (o.cachePath !== undefined && typeof o.cachePath !== 'string') throw new LockfileError(file, i + 1, 'cachePath must be a string');
        entries.push({
          name: o.name as string,
          version: o.version as string,
          url: o.url as string,
          ...(o.sha256 !== undefined ? { sha256: o.sha256 as string } : {}),
          ...(o.sha512 !== undefined ? { sha512: o.sha512 as string } : {}),
          ...(o.cachePath !== undefined ? { cachePath: o.cachePath as string } : {}),
          line: i + 1,
        });
      }
      return { ecosystem, file, format: 'synthetic v1', native: entries };
    },
    async resolve(lock) {
      const artifacts: Artifact[] = lock.native.map((e) => ({
        key: `${e.name}@${e.version}`,
        name: e.name,
        version: e.version,
        source: { kind: 'url', url: e.url },
        fetch: { type: 'file', urls: [e.url], name: storeName(`${e.name}-${e.version}.tgz`) },
        hashes: [
          ...(e.sha256 ? [{ algo: 'sha256' as const, hex: e.sha256, meaning: 'file' as const, field: 'sha256' }] : []),
          ...(e.sha512 ? [{ algo: 'sha512' as const, hex: e.sha512, meaning: 'file' as const, field: 'sha512' }] : []),
        ],
        cachePath: e.cachePath ?? `${storeName(e.name)}-${storeName(e.version)}.tgz`,
        line: e.line,
      }));
      return { artifacts };
    },
  };
}

export function syntheticLock(entries: Omit<SyntheticEntry, 'line'>[]): string {
  return `${SYNTHETIC_HEADER}\n${entries.map((e) => JSON.stringify(e)).join('\n')}\n`;
}
