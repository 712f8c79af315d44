// packages.lock.json, version 1 and 2 (Central Package Management): the union over every target and
// runtime identifier of the Direct, Transitive and CentralTransitive entries; Project entries are skipped.

import type { JsonDoc } from './json.ts';
import { isObject } from './json.ts';
import { PlanBuilder } from './plan.ts';
import type { NugetPlan } from './schema.ts';

const PACKAGE_TYPES = new Set(['Direct', 'Transitive', 'CentralTransitive']);

export function parsePackagesLock(doc: JsonDoc): NugetPlan {
  const root = doc.value;
  if (!isObject(root)) throw doc.error([], 'packages.lock.json must hold a JSON object');
  if (root.version !== 1 && root.version !== 2) {
    throw doc.error(['version'], `unsupported packages.lock.json version ${JSON.stringify(root.version)} (lock2nix reads versions 1 and 2)`);
  }
  const deps = root.dependencies;
  if (!isObject(deps)) throw doc.error(['dependencies'], '"dependencies" must be an object of targets');
  const b = new PlanBuilder(doc);
  for (const [target, entries] of Object.entries(deps)) {
    b.addTarget(target);
    if (!isObject(entries)) throw doc.error(['dependencies', target], `target ${JSON.stringify(target)} must be an object`);
    for (const [id, entry] of Object.entries(entries)) {
      const path = ['dependencies', target, id];
      if (!isObject(entry)) throw doc.error(path, `${id}: entry must be an object`);
      const type = entry.type;
      if (type === 'Project') {
        b.projects.add(id);
        continue;
      }
      if (typeof type !== 'string' || !PACKAGE_TYPES.has(type)) {
        throw doc.error([...path, 'type'], `${id}: unknown entry type ${JSON.stringify(type)} (expected Direct, Transitive, CentralTransitive or Project)`);
      }
      if (typeof entry.resolved !== 'string') throw doc.error(path, `${id}: ${type} entry has no "resolved" version`);
      const version = b.checkIdVersion(id, entry.resolved, [...path, 'resolved']);
      b.add(
        {
          id,
          version,
          role: 'library',
          ...(entry.contentHash !== undefined ? { contentHash: b.checkContentHash(entry.contentHash, [...path, 'contentHash'], `${id} ${version}`), hashField: 'contentHash' as const } : {}),
          line: doc.line(path),
        },
        path,
      );
    }
  }
  return b.build({ kind: 'packages-lock', formatVersion: root.version, sources: [] });
}
