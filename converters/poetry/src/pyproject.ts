// The project's pyproject.toml, read next to the lockfile when it is there: the root dependencies per group
// and extra (for locks older than 2.1, which record no groups), and the sources named there.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseToml, type TomlTable } from '@lock2nix/core';
import { normalizeName } from './names.ts';
import { parseRequirement, type Marker, TRUE } from './markers.ts';
import type { DependencySpec } from './schema.ts';

export interface RootDependency {
  name: string;
  spec: DependencySpec;
  /** from a PEP 508 string: its marker, already parsed */
  marker?: Marker;
}

export interface Pyproject {
  file: string;
  /** the whole document (for the content-hash check) */
  doc: TomlTable;
  /** group -> root dependencies (`main` for the project's own) */
  groups: Record<string, RootDependency[]>;
  /** root extra -> root dependencies it switches on */
  extras: Record<string, RootDependency[]>;
  sources: { name: string; url: string; priority?: string }[];
}

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function poetryDeps(table: unknown): RootDependency[] {
  if (!isTable(table)) return [];
  const out: RootDependency[] = [];
  for (const [name, v] of Object.entries(table)) {
    if (name === 'python') continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one === 'string') out.push({ name, spec: { version: one, extras: [], optional: false } });
      else if (isTable(one)) {
        const spec: DependencySpec = {
          extras: Array.isArray(one.extras) ? one.extras.filter((x): x is string => typeof x === 'string') : [],
          optional: one.optional === true,
        };
        for (const k of ['version', 'markers', 'python', 'git', 'url', 'path'] as const) if (typeof one[k] === 'string') spec[k] = one[k];
        out.push({ name, spec });
      }
    }
  }
  return out;
}

function pep508Deps(list: unknown): RootDependency[] {
  if (!Array.isArray(list)) return [];
  return list.filter((x): x is string => typeof x === 'string').map((s) => {
    const r = parseRequirement(s);
    return { name: r.name, spec: { ...(r.specifier ? { version: r.specifier } : {}), extras: r.extras, optional: false }, ...(r.marker !== TRUE ? { marker: r.marker } : {}) };
  });
}

export async function readPyproject(projectDir: string): Promise<Pyproject | undefined> {
  const file = join(projectDir, 'pyproject.toml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const doc = parseToml(file, text);
  const tool = isTable(doc.tool) ? doc.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : {};
  const project = isTable(doc.project) ? doc.project : {};
  const groups: Record<string, RootDependency[]> = {};
  const add = (g: string, deps: RootDependency[]) => {
    if (deps.length) groups[g] = [...(groups[g] ?? []), ...deps];
  };
  const main = poetryDeps(poetry.dependencies);
  add('main', pep508Deps(project.dependencies));
  add('main', main.filter((d) => !d.spec.optional));
  add('dev', poetryDeps(poetry['dev-dependencies']));
  if (isTable(poetry.group)) {
    for (const [g, t] of Object.entries(poetry.group)) if (isTable(t)) add(g, poetryDeps(t.dependencies));
  }
  if (isTable(doc['dependency-groups'])) {
    for (const [g, list] of Object.entries(doc['dependency-groups'])) add(g, pep508Deps(list));
  }
  const extras: Record<string, RootDependency[]> = {};
  if (isTable(project['optional-dependencies'])) {
    for (const [e, list] of Object.entries(project['optional-dependencies'])) extras[e] = pep508Deps(list);
  }
  if (isTable(poetry.extras)) {
    for (const [e, names] of Object.entries(poetry.extras)) {
      if (!Array.isArray(names)) continue;
      const wanted = new Set(names.filter((x): x is string => typeof x === 'string').map(normalizeName));
      extras[e] = [...(extras[e] ?? []), ...main.filter((d) => wanted.has(normalizeName(d.name)))];
    }
  }
  const sources: Pyproject['sources'] = [];
  if (Array.isArray(poetry.source)) {
    for (const s of poetry.source) {
      if (isTable(s) && typeof s.name === 'string' && typeof s.url === 'string') {
        sources.push({ name: s.name, url: s.url, ...(typeof s.priority === 'string' ? { priority: s.priority } : {}) });
      }
    }
  }
  return { file, doc, groups, extras, sources };
}
