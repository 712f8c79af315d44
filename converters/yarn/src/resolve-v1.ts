// Classic (v1) entries to artifacts: tarballs keep the file name Yarn 1 looks for in its offline mirror, so
// the lockfile needs no rewriting; git entries become a checkout that the core builder packs into the tarball
// Yarn 1 expects; `file:` and `link:` entries come from the project itself.

import { LockfileError, storeName, type Artifact, type StatedHash } from '@lock2nix/core';
import { cloneUrl, isCommit, isGitUrl } from './git.ts';
import { parseIntegrity } from './integrity.ts';
import { realName, splitPattern, stripFragment, urlPathname } from './names.ts';
import type { V1Entry, V1Lock } from './schema.ts';

/** Yarn 1's offline-mirror name for a tarball URL (TarballFetcher.getTarballMirrorPath). */
const RE_URL_NAME_MATCH = /\/(?:(@[^/]+)(?:\/|%2f))?[^/]+\/(?:-|_attachments)\/(?:@[^/]+\/)?([^/]+)$/;

export function tarballMirrorName(url: string): string | undefined {
  const path = urlPathname(url);
  if (!path) return undefined;
  const m = RE_URL_NAME_MATCH.exec(path);
  if (m) return m[1] ? `${m[1]}-${m[2]}` : m[2];
  return basename(path);
}

/** Yarn 1's offline-mirror name for a git entry (GitFetcher.getTarballMirrorPath, with the commit). */
export function gitMirrorName(url: string, commit: string): string | undefined {
  const path = urlPathname(url);
  if (!path) return undefined;
  let name = `${basename(path)}-${commit}`;
  if (name.startsWith(':')) name = name.slice(1);
  return name;
}

function basename(p: string): string {
  const parts = p.split('/').filter((x) => x !== '');
  return parts[parts.length - 1] ?? '';
}

function isLocal(range: string): boolean {
  return range.startsWith('file:') || range.startsWith('link:') || range.startsWith('./') || range.startsWith('../') || range.startsWith('/') || range.startsWith('~/');
}

function stated(file: string, e: V1Entry, resolvedFragment: string | undefined): StatedHash[] {
  const hashes: StatedHash[] = [];
  if (e.integrity !== undefined) {
    const p = parseIntegrity(e.integrity);
    if (!p) throw new LockfileError(file, e.line, `malformed integrity ${JSON.stringify(e.integrity)}`);
    for (const h of p.hashes) hashes.push({ algo: h.algo, hex: h.hex, meaning: 'file', field: 'integrity' });
  }
  if (resolvedFragment !== undefined && /^[0-9a-f]{40}$/.test(resolvedFragment)) {
    const clash = hashes.find((h) => h.algo === 'sha1' && h.hex !== resolvedFragment);
    if (clash) throw new LockfileError(file, e.line, `the sha1 in \`resolved\` (${resolvedFragment}) and in \`integrity\` (${clash.hex}) differ`);
    hashes.push({ algo: 'sha1', hex: resolvedFragment, meaning: 'file', field: 'resolved' });
  }
  return hashes;
}

export function resolveV1(file: string, lock: V1Lock): { artifacts: Artifact[]; warnings: string[] } {
  const byPath = new Map<string, { a: Artifact; line: number; url: string }>();
  const locals: Artifact[] = [];
  const warnings: string[] = [];
  for (const e of lock.entries) {
    const first = e.patterns[0]!;
    const name = e.name ?? realName(first);
    const { range } = splitPattern(first);
    const resolved = e.resolved;
    if (resolved === undefined || resolved.startsWith('file:') || resolved.startsWith('link:') || (isLocal(range) && !/^[a-z+]+:\/\//i.test(resolved))) {
      if (resolved === undefined && !isLocal(range)) {
        throw new LockfileError(file, e.line, `entry ${JSON.stringify(first)} has no \`resolved\` URL and is not a local package`);
      }
      locals.push({
        key: first,
        name,
        version: e.version ?? '',
        source: { kind: 'path', path: (resolved ?? range).replace(/^(file|link):/, '').replace(/#.*$/, '') },
        fetch: { type: 'none', reason: `${range.startsWith('link:') ? 'linked' : 'local'} package, taken from the project` },
        hashes: [],
        cachePath: first,
        line: e.line,
      });
      continue;
    }
    const { url, fragment } = stripFragment(resolved);
    let a: Artifact;
    if (isGitUrl(resolved)) {
      const commit = fragment ?? e.uid;
      if (!isCommit(commit)) throw new LockfileError(file, e.line, `git entry ${JSON.stringify(first)} is not locked to a full commit: ${JSON.stringify(resolved)}`);
      const cachePath = gitMirrorName(url, commit);
      if (!cachePath) throw new LockfileError(file, e.line, `cannot tell the offline-mirror name of ${JSON.stringify(resolved)}`);
      a = {
        key: cachePath,
        name,
        version: e.version ?? '',
        source: { kind: 'git', url, rev: commit, ...(range !== '' ? { ref: range } : {}) },
        fetch: { type: 'git', url: cloneUrl(url), rev: commit, submodules: false, name: storeName(`${name}-${commit.slice(0, 12)}-source`) },
        hashes: [],
        cachePath,
        line: e.line,
        meta: { pack: 'tar' },
      };
    } else {
      if (!/^https?:\/\//i.test(url)) throw new LockfileError(file, e.line, `unsupported \`resolved\` URL ${JSON.stringify(resolved)}`);
      const cachePath = tarballMirrorName(url);
      if (!cachePath) throw new LockfileError(file, e.line, `cannot tell the offline-mirror name of ${JSON.stringify(resolved)}`);
      const hashes = stated(file, e, fragment);
      if (hashes.length === 0) warnings.push(`${name} ${e.version ?? ''}: the lockfile states no hash for ${url}; it is pinned by downloading it`);
      a = {
        key: cachePath,
        name,
        version: e.version ?? '',
        source: { kind: 'registry', url },
        fetch: { type: 'file', urls: [url], name: storeName(cachePath) },
        hashes,
        cachePath,
        line: e.line,
      };
    }
    const seen = byPath.get(a.cachePath);
    if (seen) {
      if (seen.url !== url || seen.a.fetch.type !== a.fetch.type) {
        throw new LockfileError(file, e.line, `${JSON.stringify(first)} (${resolved}) and the entry on line ${seen.line} (${seen.url}) would share the name ${JSON.stringify(a.cachePath)} in Yarn's offline mirror`);
      }
      for (const h of a.hashes) {
        const other = seen.a.hashes.find((x) => x.algo === h.algo);
        if (other && other.hex !== h.hex) throw new LockfileError(file, e.line, `${JSON.stringify(first)} and the entry on line ${seen.line} download ${url} but state different ${h.algo} hashes`);
        if (!other) seen.a.hashes.push(h);
      }
      continue;
    }
    byPath.set(a.cachePath, { a, line: e.line, url });
  }
  return { artifacts: [...[...byPath.values()].map((x) => x.a), ...locals], warnings };
}
