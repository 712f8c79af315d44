// Reading Cargo.lock `source` strings: crates.io, alternative registries (sparse and git index) and git.

import { createHash } from 'node:crypto';
import type { CargoSource, GitRef, LockVersion } from './schema.ts';
import { CRATES_IO_INDEX, CRATES_IO_SPARSE_INDEX } from './defaults.ts';

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Decode a form-urlencoded query value (`%2F` -> `/`, `+` -> space), as cargo does for v4 lockfiles. */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/**
 * Parse a source string. Returns a reason string for a malformed one. Git query values are form-decoded in
 * v4 lockfiles and taken as written before (older cargo wrote them raw).
 */
export function parseSource(source: string, version: LockVersion): CargoSource | string {
  const plus = source.indexOf('+');
  if (plus < 0) return `unknown source ${JSON.stringify(source)} (expected registry+, sparse+ or git+)`;
  const scheme = source.slice(0, plus);
  const rest = source.slice(plus + 1);
  switch (scheme) {
    case 'registry':
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) return `registry source ${JSON.stringify(source)} has no URL`;
      if (rest === CRATES_IO_INDEX) return { kind: 'crates-io', id: source };
      return { kind: 'registry', id: source, protocol: 'git', index: rest };
    case 'sparse':
      if (!/^https?:\/\//i.test(rest)) return `sparse source ${JSON.stringify(source)} has no http(s) URL`;
      if (rest === CRATES_IO_SPARSE_INDEX) return { kind: 'crates-io', id: source };
      return { kind: 'registry', id: source, protocol: 'sparse', index: rest };
    case 'git': {
      const hash = rest.lastIndexOf('#');
      if (hash < 0) return `git source ${JSON.stringify(source)} has no locked commit (#<sha>)`;
      const commit = rest.slice(hash + 1);
      if (!COMMIT.test(commit)) return `git source ${JSON.stringify(source)}: ${JSON.stringify(commit)} is not a full commit id`;
      let url = rest.slice(0, hash);
      let ref: GitRef = { type: 'default' };
      const q = url.indexOf('?');
      if (q >= 0) {
        const query = url.slice(q + 1);
        url = url.slice(0, q);
        const eq = query.indexOf('=');
        if (eq < 0 || query.includes('&')) return `git source ${JSON.stringify(source)}: unexpected query ${JSON.stringify(query)}`;
        const key = query.slice(0, eq);
        let value = query.slice(eq + 1);
        if (version >= 4) {
          try {
            value = formDecode(value);
          } catch {
            return `git source ${JSON.stringify(source)}: bad percent-encoding in ${JSON.stringify(query)}`;
          }
        }
        if (key === 'branch' || key === 'ref') ref = { type: 'branch', value };
        else if (key === 'tag') ref = { type: 'tag', value };
        else if (key === 'rev') ref = { type: 'rev', value };
        else return `git source ${JSON.stringify(source)}: unknown selector ${JSON.stringify(key)}`;
        if (value === '') return `git source ${JSON.stringify(source)}: empty ${key}`;
      }
      if (!/^[a-z][a-z0-9+.-]*:\/\/./i.test(url)) return `git source ${JSON.stringify(source)} has no URL`;
      return { kind: 'git', id: source, url, ref, commit };
    }
    default:
      return `unknown source kind ${JSON.stringify(scheme)} in ${JSON.stringify(source)}`;
  }
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/**
 * The vendor-directory folder of a source: one per origin, so that the same name and version from two
 * sources never meet. Stable across runs (derived from the source identity, not from its position).
 */
export function sourceDir(s: CargoSource): string {
  switch (s.kind) {
    case 'crates-io':
      return 'crates-io';
    case 'registry':
      return `registry-${shortHash(`${s.protocol}+${s.index}`)}`;
    case 'git':
      return `git-${shortHash(`${s.url}\n${gitRefText(s.ref)}`)}`;
  }
}

/** `branch=main`, `tag=v1`, `rev=1ed69cb` or `default`: for keys and messages. */
export function gitRefText(r: GitRef): string {
  return r.type === 'default' ? 'default' : `${r.type}=${r.value}`;
}
