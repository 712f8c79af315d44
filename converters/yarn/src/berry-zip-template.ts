// The core builder runs the same zip code as the converter's verification: templates/lib/yarn-berry-zip.nix
// is berry-zip.mjs wrapped in a Nix string. `renderZipTemplate` produces it; a test keeps the two in step.

import { readFileSync } from 'node:fs';

export const ZIP_SOURCE = new URL('./berry-zip.mjs', import.meta.url);

export function renderZipTemplate(source: string = readFileSync(ZIP_SOURCE, 'utf8')): string {
  if (source.includes("''") || source.includes('${')) throw new Error("berry-zip.mjs must not contain '' or ${ (it is embedded in a Nix '' string)");
  return `# Generated from converters/yarn/src/berry-zip.mjs by lock2nix. Do not edit.\n''\n${source}''\n`;
}
