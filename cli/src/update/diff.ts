// The difference between two generations of one output: which packages were added, removed, upgraded,
// downgraded, or kept their version but changed where they come from (source, URL, git revision or hash).

import type { DataEntry, DataFile } from './data.ts';

export type ChangeKind = 'added' | 'removed' | 'upgraded' | 'downgraded' | 'changed';

export interface PackageChange {
  kind: ChangeKind;
  name: string;
  /** absent for `added` */
  old?: { key: string; version: string; source: string; hash?: string };
  /** absent for `removed` */
  new?: { key: string; version: string; source: string; hash?: string };
  /** for `changed` (and upgrades that also moved): what differs besides the version */
  details: string[];
}

export interface OutputDiff {
  /** the output's name in the output folder, e.g. `cargo` or `yarn-web` */
  output: string;
  ecosystem: string;
  lockfile: string;
  /** true when the data file did not exist before */
  isNew: boolean;
  changes: PackageChange[];
  unchanged: number;
}

/** Compare versions the way most ecosystems order them: numeric runs as numbers, a pre-release sorts first. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const split = (v: string) => {
    const [main = '', ...pre] = v.replace(/^v/, '').split(/[-+~]/);
    return { main: main.split(/[.]/), pre: pre.join('-') };
  };
  const x = split(a);
  const y = split(b);
  const n = Math.max(x.main.length, y.main.length);
  for (let i = 0; i < n; i++) {
    const p = x.main[i] ?? '0';
    const q = y.main[i] ?? '0';
    const c = comparePart(p, q);
    if (c) return c;
  }
  if (x.pre && !y.pre) return -1;
  if (!x.pre && y.pre) return 1;
  const xp = x.pre.split('.');
  const yp = y.pre.split('.');
  for (let i = 0; i < Math.max(xp.length, yp.length); i++) {
    if (xp[i] === undefined) return -1;
    if (yp[i] === undefined) return 1;
    const c = comparePart(xp[i]!, yp[i]!);
    if (c) return c;
  }
  return a < b ? -1 : 1;
}

function comparePart(p: string, q: string): number {
  const pn = /^[0-9]+$/.test(p);
  const qn = /^[0-9]+$/.test(q);
  if (pn && qn) {
    const d = BigInt(p) - BigInt(q);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (pn !== qn) return pn ? 1 : -1;
  return p < q ? -1 : p > q ? 1 : 0;
}

/** A short description of where an entry comes from: registry host, `git: host/path@rev7`, `path: ...`. */
export function describeSource(e: DataEntry): string {
  const s = e.source;
  const host = (u: string | undefined) => {
    if (!u) return '';
    try {
      const url = new URL(u.replace(/^sparse\+|^registry\+|^git\+/, ''));
      return `${url.host}${url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '').replace(/\.git$/, '')}`;
    } catch {
      return u;
    }
  };
  switch (s.kind) {
    case 'git':
      return `git: ${host(s.url)}${s.rev ? `@${s.rev.slice(0, 7)}` : ''}`;
    case 'path':
      return `path: ${s.path ?? ''}`;
    case 'url':
      return `url: ${host(s.url)}`;
    default: {
      if (!s.url) return s.name || s.kind || 'unknown';
      // a registry named by a download URL (yarn `resolved`): the host says enough
      const full = host(s.url);
      return /\.(tgz|tar\.gz|zip|whl|nupkg|crate)$/.test(full) || full.includes('/-/') ? full.split('/')[0]! : full;
    }
  }
}

/** The version shown in tables: the version, plus the short git revision for git sources. */
function shownVersion(e: DataEntry): string {
  if (e.source.kind === 'git' && e.source.rev) return e.version ? `${e.version} (git ${e.source.rev.slice(0, 7)})` : `git ${e.source.rev.slice(0, 7)}`;
  return e.version;
}

function side(e: DataEntry): NonNullable<PackageChange['old']> {
  return { key: e.key, version: shownVersion(e), source: describeSource(e), ...(e.hash ? { hash: e.hash } : {}) };
}

function differences(a: DataEntry, b: DataEntry): string[] {
  const d: string[] = [];
  const sa = describeSource(a);
  const sb = describeSource(b);
  if (sa !== sb || JSON.stringify(a.source) !== JSON.stringify(b.source)) d.push(`source ${sa} → ${sb}`);
  const ua = JSON.stringify(a.fetch.urls ?? a.fetch.url ?? null);
  const ub = JSON.stringify(b.fetch.urls ?? b.fetch.url ?? null);
  if (ua !== ub && sa === sb) d.push('download URL');
  if (a.fetch.rev !== b.fetch.rev && a.fetch.rev !== undefined && b.fetch.rev !== undefined && sa === sb) d.push(`rev ${String(a.fetch.rev).slice(0, 7)} → ${String(b.fetch.rev).slice(0, 7)}`);
  if (a.hash !== b.hash) d.push(a.hash === undefined ? 'now pinned' : b.hash === undefined ? 'no longer pinned' : 'hash');
  if (a.cachePath !== b.cachePath) d.push('cache path');
  return d;
}

function sameEntry(a: DataEntry, b: DataEntry): boolean {
  return a.name === b.name && a.version === b.version && a.cachePath === b.cachePath && a.hash === b.hash &&
    JSON.stringify(a.source) === JSON.stringify(b.source) && JSON.stringify(a.fetch) === JSON.stringify(b.fetch);
}

const byKey = (a: { name: string; new?: { key: string }; old?: { key: string } }, b: typeof a) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : (a.old?.key ?? a.new?.key ?? '') < (b.old?.key ?? b.new?.key ?? '') ? -1 : 1;

/**
 * Diff two data files. Entries are matched by key first; what is left is paired by package name (in version
 * order) so that `serde 1.0.200` → `serde 1.0.203` reads as one upgrade even though the key changed.
 */
export function diffData(output: string, before: DataFile | undefined, after: DataFile): OutputDiff {
  const old = before?.entries ?? new Map<string, DataEntry>();
  const changes: PackageChange[] = [];
  let unchanged = 0;
  const goneByName = new Map<string, DataEntry[]>();
  const newByName = new Map<string, DataEntry[]>();
  for (const [k, a] of old) {
    const b = after.entries.get(k);
    if (!b) (goneByName.get(a.name) ?? goneByName.set(a.name, []).get(a.name)!).push(a);
    else if (sameEntry(a, b)) unchanged++;
    else if (a.name === b.name && a.version !== b.version) {
      const c = compareVersions(b.version, a.version);
      changes.push({ kind: c < 0 ? 'downgraded' : 'upgraded', name: b.name, old: side(a), new: side(b), details: differences(a, b).filter((d) => d !== 'hash') });
    } else changes.push({ kind: 'changed', name: b.name, old: side(a), new: side(b), details: differences(a, b) });
  }
  for (const [k, b] of after.entries) if (!old.has(k)) (newByName.get(b.name) ?? newByName.set(b.name, []).get(b.name)!).push(b);
  const names = new Set([...goneByName.keys(), ...newByName.keys()]);
  for (const name of names) {
    const gone = (goneByName.get(name) ?? []).sort((x, y) => compareVersions(x.version, y.version));
    const added = (newByName.get(name) ?? []).sort((x, y) => compareVersions(x.version, y.version));
    const pairs = Math.min(gone.length, added.length);
    // pair the newest versions with each other: with one old and one new version that is the natural reading
    for (let i = 0; i < pairs; i++) {
      const a = gone[gone.length - pairs + i]!;
      const b = added[added.length - pairs + i]!;
      const c = compareVersions(b.version, a.version);
      const details = differences(a, b).filter((d) => d !== 'hash' && d !== 'cache path' && d !== 'download URL');
      if (c === 0) changes.push({ kind: 'changed', name, old: side(a), new: side(b), details: differences(a, b) });
      else changes.push({ kind: c < 0 ? 'downgraded' : 'upgraded', name, old: side(a), new: side(b), details });
    }
    for (const a of gone.slice(0, gone.length - pairs)) changes.push({ kind: 'removed', name, old: side(a), details: [] });
    for (const b of added.slice(0, added.length - pairs)) changes.push({ kind: 'added', name, new: side(b), details: [] });
  }
  changes.sort(byKey);
  return { output, ecosystem: after.ecosystem, lockfile: after.lockfile.name, isNew: before === undefined, changes, unchanged };
}

/** Counts per kind over several outputs. */
export function countChanges(diffs: OutputDiff[]): Record<ChangeKind, number> {
  const n: Record<ChangeKind, number> = { added: 0, removed: 0, upgraded: 0, downgraded: 0, changed: 0 };
  for (const d of diffs) for (const c of d.changes) n[c.kind]++;
  return n;
}
