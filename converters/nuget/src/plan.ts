// Building the package plan both parsers share: one entry per lower-cased id and version, whatever the
// number of targets and runtime identifiers it appears under.

import type { JsonDoc, JsonPath } from './json.ts';
import type { NugetPlan, PlannedPackage } from './schema.ts';
import { isValidId, lower, normalizeVersion } from './version.ts';

export class PlanBuilder {
  private readonly byKey = new Map<string, PlannedPackage>();
  readonly targets = new Set<string>();
  readonly runtimes = new Set<string>();
  readonly projects = new Set<string>();
  private readonly doc: JsonDoc;
  constructor(doc: JsonDoc) {
    this.doc = doc;
  }

  /** Check an id and version from the lockfile and return the version's normalised form. */
  checkIdVersion(id: string, version: string, path: JsonPath): string {
    if (!isValidId(id)) throw this.doc.error(path, `${JSON.stringify(id)} is not a valid NuGet package id`);
    const v = normalizeVersion(version);
    if (v === undefined) throw this.doc.error(path, `${JSON.stringify(version)} is not a valid NuGet version (package ${id})`);
    return v;
  }

  /** A content hash as NuGet writes it: base64 of a SHA-512 digest. */
  checkContentHash(value: unknown, path: JsonPath, what: string): string {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(value)) {
      throw this.doc.error(path, `${what}: expected a base64 SHA-512 content hash, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  add(p: Omit<PlannedPackage, 'lowerId' | 'lowerVersion'>, path: JsonPath): void {
    const lowerId = lower(p.id);
    const lowerVersion = lower(p.version);
    const key = `${lowerId}/${lowerVersion}`;
    const old = this.byKey.get(key);
    if (!old) {
      this.byKey.set(key, { ...p, lowerId, lowerVersion });
      return;
    }
    if (p.contentHash !== undefined) {
      if (old.contentHash !== undefined && old.contentHash !== p.contentHash) {
        throw this.doc.error(path, `${p.id} ${p.version} is listed twice with different content hashes (${old.contentHash} and ${p.contentHash})`);
      }
      old.contentHash = p.contentHash;
      if (p.hashField) old.hashField = p.hashField;
    }
    // a package that is both a library and a pack is fetched once; the library entry describes it
    if (p.role === 'library' && old.role === 'pack') {
      old.role = 'library';
      old.id = p.id;
      if (p.line !== undefined) old.line = p.line;
    }
    if (p.signed !== undefined) old.signed = p.signed;
  }

  /** `net8.0/linux-x64` → record the target and its runtime identifier. */
  addTarget(target: string): void {
    this.targets.add(target);
    const slash = target.indexOf('/');
    if (slash >= 0) this.runtimes.add(target.slice(slash + 1));
  }

  build(rest: Pick<NugetPlan, 'kind' | 'formatVersion' | 'sources'> & { projectName?: string }): NugetPlan {
    const sort = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const packages = [...this.byKey.values()].sort((a, b) => sort(a.lowerId, b.lowerId) || sort(a.lowerVersion, b.lowerVersion));
    return {
      ...rest,
      packages,
      targets: [...this.targets].sort(sort),
      runtimes: [...this.runtimes].sort(sort),
      projects: [...this.projects].sort(sort),
    };
  }
}
