// After pinning: look inside each fetched git tree (once per url and commit) for the locked crates, and
// record where each one lives and, when it inherits from its workspace, its manifest with that resolved.

import { LockfileError, type ConvertContext, type NixData, type ParsedLock, type PinnedArtifact, type Resolved } from '@lock2nix/core';
import { stringify } from 'smol-toml';
import { caseCollisions } from './case.ts';
import { findCrates, type FoundCrate } from './locate.ts';
import type { CargoLock } from './schema.ts';

/** The manifest text written in place of a git crate's Cargo.toml (the original is kept as Cargo.toml.orig). */
export function manifestText(manifest: Record<string, unknown>): string {
  return `# Written by lock2nix, as cargo vendor does: workspace inheritance resolved.\n${stringify(manifest)}\n`;
}

export async function finishCargo(lock: ParsedLock<CargoLock>, pinned: PinnedArtifact[], resolved: Resolved, ctx: ConvertContext): Promise<{ artifacts: PinnedArtifact[]; meta?: NixData }> {
  const trees = new Map<string, Promise<FoundCrate[]>>();
  const out: PinnedArtifact[] = [];
  for (const a of pinned) {
    if (a.fetch.type !== 'git' || !a.pin) {
      out.push(a);
      continue;
    }
    const f = a.fetch;
    const treeKey = `${f.url}#${f.rev}`;
    let crates = trees.get(treeKey);
    if (!crates) {
      crates = ctx.prefetcher.git({ url: f.url, rev: f.rev, submodules: f.submodules, pkg: `${a.name} ${a.version}` }).then((t) => {
        if (t.narHash !== a.pin!.hash) throw new LockfileError(lock.file, a.line, `${a.name} ${a.version}: the tree of ${f.url} at ${f.rev} changed between two reads`);
        const clash = caseCollisions(t.dir);
        if (clash.length) ctx.reporter.report({ type: 'warn', message: `${f.url} at ${f.rev} has names that differ only in case (${clash.join(', ')}): its hash cannot be reproduced on a case-insensitive file system such as macOS's` });
        return findCrates(t.dir);
      });
      trees.set(treeKey, crates);
    }
    const found = (await crates).find((c) => c.name === a.name && c.version === a.version);
    if (!found) {
      throw new LockfileError(lock.file, a.line, `${a.name} ${a.version} is not in ${f.url} at commit ${f.rev} (no Cargo.toml there names it with that version)`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(found.dir)) {
      throw new LockfileError(lock.file, a.line, `${a.name} ${a.version} from ${f.url} lives in a folder whose name has control characters: ${JSON.stringify(found.dir)}`);
    }
    if (found.problem) {
      throw new LockfileError(lock.file, a.line, `${a.name} ${a.version} from ${f.url}: ${found.problem}`);
    }
    if (found.outside) {
      ctx.reporter.report({ type: 'warn', message: `${a.name} ${a.version} from ${f.url} builds from ${found.outside.join(', ')}, outside its own folder: cargo will not find ${found.outside.length > 1 ? 'them' : 'it'} in the vendor directory` });
    }
    const meta = { ...(a.meta as Record<string, NixData>), subdir: found.dir, ...(found.manifest ? { manifest: manifestText(found.manifest) } : {}), ...(found.drop ? { drop: found.drop } : {}) };
    out.push({ ...a, meta });
  }
  return { artifacts: out, ...(resolved.meta !== undefined ? { meta: resolved.meta } : {}) };
}
