// Names in one folder that differ only in case: a NAR hash computed on Linux cannot be reproduced on a
// case-insensitive file system (macOS), so such git trees are worth a warning.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Paths (relative to `root`) that share a folder with another name equal to it but for case. */
export function caseCollisions(root: string, limit = 10): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    const seen = new Map<string, string>();
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const key = e.name.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined && out.length < limit) out.push(rel ? `${rel}/${e.name}` : e.name);
      seen.set(key, e.name);
      if (e.isDirectory() && out.length < limit) walk(rel ? `${rel}/${e.name}` : e.name);
    }
  };
  walk('');
  return out;
}
