// obj/project.assets.json (LockFileFormat 3): the resolved `libraries` of type package, checked against every
// target, plus the packs restore downloads for each framework (`downloadDependencies`).

import type { JsonDoc } from './json.ts';
import { isObject } from './json.ts';
import { PlanBuilder } from './plan.ts';
import type { NugetPlan } from './schema.ts';
import { exactVersion } from './version.ts';

export function parseAssets(doc: JsonDoc): NugetPlan {
  const root = doc.value;
  if (!isObject(root)) throw doc.error([], 'project.assets.json must hold a JSON object');
  if (root.version !== 3) {
    throw doc.error(['version'], `unsupported project.assets.json version ${JSON.stringify(root.version)} (lock2nix reads version 3, written by .NET Core 2.0 and later)`);
  }
  const b = new PlanBuilder(doc);
  const libraries = root.libraries ?? {};
  if (!isObject(libraries)) throw doc.error(['libraries'], '"libraries" must be an object');
  const packageKeys = new Set<string>();
  for (const [key, lib] of Object.entries(libraries)) {
    const path = ['libraries', key];
    if (!isObject(lib)) throw doc.error(path, `library ${JSON.stringify(key)} must be an object`);
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) throw doc.error(path, `library key ${JSON.stringify(key)} is not "<id>/<version>"`);
    const id = key.slice(0, slash);
    const type = lib.type;
    if (type === 'project') {
      b.projects.add(id);
      continue;
    }
    if (type !== 'package') throw doc.error([...path, 'type'], `library ${key} has unknown type ${JSON.stringify(type)} (expected "package" or "project")`);
    const version = b.checkIdVersion(id, key.slice(slash + 1), path);
    const files = Array.isArray(lib.files) ? lib.files : undefined;
    b.add(
      {
        id,
        version,
        role: 'library',
        ...(lib.sha512 !== undefined ? { contentHash: b.checkContentHash(lib.sha512, [...path, 'sha512'], key), hashField: 'sha512' as const } : {}),
        ...(files ? { signed: files.includes('.signature.p7s') } : {}),
        line: doc.line(path),
      },
      path,
    );
    packageKeys.add(key);
  }

  const targets = root.targets ?? {};
  if (!isObject(targets)) throw doc.error(['targets'], '"targets" must be an object');
  for (const [target, entries] of Object.entries(targets)) {
    b.addTarget(target);
    if (!isObject(entries)) throw doc.error(['targets', target], `target ${JSON.stringify(target)} must be an object`);
    for (const [key, entry] of Object.entries(entries)) {
      if (isObject(entry) && entry.type === 'package' && !packageKeys.has(key)) {
        throw doc.error(['targets', target, key], `target ${target} uses package ${key}, which "libraries" does not list`);
      }
    }
  }

  const project = isObject(root.project) ? root.project : {};
  const restore = isObject(project.restore) ? project.restore : {};
  const sources = isObject(restore.sources) ? Object.keys(restore.sources) : [];
  if (isObject(project.runtimes)) for (const rid of Object.keys(project.runtimes)) b.runtimes.add(rid);

  const frameworks = isObject(project.frameworks) ? project.frameworks : {};
  for (const [fw, spec] of Object.entries(frameworks)) {
    if (!isObject(spec) || spec.downloadDependencies === undefined) continue;
    const dl = spec.downloadDependencies;
    const base = ['project', 'frameworks', fw, 'downloadDependencies'];
    if (!Array.isArray(dl)) throw doc.error(base, `downloadDependencies of ${fw} must be a list`);
    dl.forEach((d: unknown, i) => {
      const path = [...base, i];
      if (!isObject(d) || typeof d.name !== 'string' || typeof d.version !== 'string') {
        throw doc.error(path, `downloadDependencies of ${fw}: entry ${i} needs a "name" and a "version"`);
      }
      const exact = exactVersion(d.version);
      if (exact === undefined) throw doc.error(path, `download dependency ${d.name} ${JSON.stringify(d.version)} is not one exact version such as "[1.2.3, 1.2.3]"`);
      const version = b.checkIdVersion(d.name, exact, path);
      b.add({ id: d.name, version, role: 'pack', line: doc.line(path) }, path);
    });
  }

  const projectName = typeof restore.projectName === 'string' ? restore.projectName : undefined;
  return b.build({ kind: 'assets', formatVersion: 3, sources, ...(projectName ? { projectName } : {}) });
}
