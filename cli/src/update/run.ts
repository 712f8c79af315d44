// `lock2nix update` as a library function: regenerate every detected output, reuse each pin the previous
// output already verified for an identical download, and report what changed.

import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { dataFileKind, ECOSYSTEMS, hexToSri, strongest, UsageError, type Artifact, type ConvertContext, type Ecosystem, type Pin } from '@lock2nix/core';
import { runProject, type ProjectRun } from '../project.ts';
import { fetchIdentity, readDataFile, type DataFile } from './data.ts';
import { diffData, type OutputDiff } from './diff.ts';
import type { UpdateReport } from './format.ts';

export interface UpdateOptions {
  /** project folder searched for lockfiles */
  root: string;
  /** output folder (default `<root>/lock2nix`) */
  outDir?: string;
  /** only these ecosystems (default: all) */
  ecosystems?: readonly Ecosystem[];
  ctx: Omit<ConvertContext, 'projectDir' | 'reusePin'>;
}

async function readTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (e.name.endsWith('.nix') || e.name.endsWith('.json'))) files.set(p, await readFile(p, 'utf8'));
    }
  }
  await walk(dir);
  return files;
}

/**
 * Previous data files in the output folder, by output name, with their paths: `<name>.json`, or a legacy
 * `<name>.nix` (formats 1 and 2) when there is no JSON one. Files that are not lock2nix data are skipped.
 */
function previousData(outDir: string, before: Map<string, string>): Map<string, DataFile & { path: string }> {
  const out = new Map<string, DataFile & { path: string }>();
  for (const [path, text] of [...before].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rel = relative(outDir, path);
    const kind = dataFileKind(text);
    if (rel.includes('/') || rel === 'default.nix' || kind === undefined || !rel.endsWith(`.${kind}`)) continue;
    const name = rel.slice(0, -(kind.length + 1));
    if (kind === 'nix' && out.has(name)) continue; // (`.json` sorts before `.nix`)
    try {
      out.set(name, { ...readDataFile(text, path), path });
    } catch {
      // an unreadable old file is simply not reused; the new one replaces it
    }
  }
  return out;
}

/** The pin a fresh run would produce must equal the reused one: refuse when the lockfile now says otherwise. */
function reusable(a: Artifact, hash: string): boolean {
  const meaning = a.fetch.type === 'file' ? 'file' : 'nar';
  const stated = strongest(a.hashes, meaning);
  const algo = hash.slice(0, hash.indexOf('-'));
  if (a.fetch.type === 'file') {
    const want = stated && stated.algo !== 'sha1' ? stated.algo : 'sha256';
    if (algo !== want) return false;
    if (stated && stated.algo === want && hexToSri(stated.algo, stated.hex) !== hash) return false;
  } else {
    if (algo !== 'sha256') return false;
    if (stated && stated.algo === 'sha256' && hexToSri('sha256', stated.hex) !== hash) return false;
  }
  return true;
}

export interface UpdateResult {
  report: UpdateReport;
  runs: ProjectRun[];
}

export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  const root = resolve(opts.root);
  const outDir = resolve(root, opts.outDir ?? 'lock2nix');
  const before = await readTree(outDir);
  const prev = previousData(outDir, before);

  const known = new Map<string, { hash: string; meta: Record<string, unknown> }>();
  for (const d of prev.values()) {
    for (const e of d.entries.values()) {
      const id = fetchIdentity(e.fetch);
      if (id && e.hash) known.set(id, { hash: e.hash, meta: e.meta });
    }
  }
  const reused = new Map<string, string>();
  const reusePin = (a: Artifact, verifiedHashMeta?: string): Pin | undefined => {
    const id = fetchIdentity(a.fetch);
    const earlier = id ? known.get(id) : undefined;
    if (!id || !earlier || !reusable(a, earlier.hash)) return undefined;
    // the earlier pin was verified against the ecosystem hash it records (NuGet's content hash): it must be this one
    if (verifiedHashMeta !== undefined && a.hashes.some((h) => h.meaning === 'ecosystem')) {
      const now = (a.meta as Record<string, unknown> | undefined)?.[verifiedHashMeta];
      if (now === undefined || earlier.meta[verifiedHashMeta] !== now) return undefined;
    }
    const hash = earlier.hash;
    reused.set(id, hash);
    return { hash, by: 'download' };
  };
  const ctx = { ...opts.ctx, reusePin };

  const runs: ProjectRun[] = [];
  const ecos = opts.ecosystems ?? [];
  for (const e of ecos) if (!(ECOSYSTEMS as readonly string[]).includes(e)) throw new UsageError(`unknown ecosystem ${JSON.stringify(e)} (one of: ${ECOSYSTEMS.join(', ')})`);
  if (ecos.length === 0 || ecos.length === ECOSYSTEMS.length) {
    runs.push(await runProject({ root, outDir, check: false, ctx }));
  } else {
    for (const only of ecos) {
      try {
        runs.push(await runProject({ root, outDir, only, check: false, ctx }));
      } catch (e) {
        if (!(e instanceof UsageError && /^no .* found under /.test(e.message))) throw e;
      }
    }
    if (runs.length === 0) throw new UsageError(`no lockfile of ${ecos.join(', ')} found under ${root}`);
  }

  const after = await readTree(outDir);
  const changedFiles = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
  const outputs: OutputDiff[] = [];
  const pins = { download: 0, lockfile: 0, reused: 0, unpinned: 0 };
  const warnings: UpdateReport['warnings'] = [];
  const regenerated = new Set<string>();
  const folderWarnings = new Set<string>();
  for (const run of runs) {
    for (const r of run.results) {
      regenerated.add(r.name);
      const now = readDataFile(r.result.text, join(outDir, `${r.name}.json`));
      const diff = diffData(r.name, prev.get(r.name), now);
      outputs.push(diff);
      for (const w of r.result.warnings) warnings.push({ output: r.name, message: w });
      const touched = new Set(diff.changes.flatMap((c) => (c.new ? [c.new.key] : [])));
      for (const a of r.result.artifacts) {
        if (a.fetch.type === 'none') continue;
        if (!a.pin) pins.unpinned++;
        else if (!touched.has(a.key)) continue;
        else if (reused.get(fetchIdentity(a.fetch) ?? '') === a.pin.hash && prev.get(r.name)?.entries.get(a.key)?.hash === a.pin.hash) pins.reused++;
        else pins[a.pin.by]++;
      }
    }
  }
  // a legacy data file one run left out of default.nix may have been regenerated by a later one (one run per ecosystem)
  for (const run of runs) {
    for (const w of run.warnings) if (!regenerated.has(w.output) && !folderWarnings.has(w.message)) folderWarnings.add(w.message), warnings.push(w);
  }
  outputs.sort((a, b) => (a.output < b.output ? -1 : 1));
  const orphaned = [...prev.keys()]
    .filter((n) => !regenerated.has(n) && (ecos.length === 0 || ecos.includes(prev.get(n)!.ecosystem as Ecosystem)))
    .map((n) => prev.get(n)!.path);
  return { report: { outDir, outputs, orphaned, changedFiles, pins, warnings }, runs };
}
