// TOML for Cargo.lock and poetry.lock. smol-toml is the chosen parser (measured against @iarna/toml on the
// corpus: see scripts/bench-toml.ts and the README). Errors become LockfileError with file and line.

import { createRequire } from 'node:module';
import type * as SmolToml from 'smol-toml';
import { LockfileError } from './errors.ts';

// loaded on first use, so that a run that reads no TOML (yarn, NuGet) does not load it (action/build.ts turns the
// call into an import)
let smolToml: typeof SmolToml | undefined;
const toml = (): typeof SmolToml => (smolToml ??= createRequire(import.meta.url)('smol-toml') as typeof SmolToml);

export type TomlTable = Record<string, unknown>;

export function parseToml(file: string, text: string): TomlTable {
  const { parse, TomlError } = toml();
  try {
    return parse(text) as TomlTable;
  } catch (e) {
    if (e instanceof TomlError) {
      const msg = e.message.split('\n')[0] ?? 'invalid TOML';
      throw new LockfileError(file, e.line, `invalid TOML: ${msg.replace(/^Invalid TOML document: /, '')}`);
    }
    throw new LockfileError(file, undefined, `invalid TOML: ${(e as Error).message}`);
  }
}

/**
 * The 1-based lines of every occurrence of a table header such as `[[package]]` or `[metadata.files]`
 * (optionally indented, optionally followed by a comment; LF or CRLF), for messages about one entry.
 */
export function headerLines(text: string, header: string): number[] {
  const escaped = header.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^[ \\t]*${escaped}[ \\t]*(?:#[^\\n]*)?\\r?$`, 'gm');
  const lines: number[] = [];
  let m: RegExpExecArray | null;
  let line = 1;
  let pos = 0;
  while ((m = re.exec(text))) {
    for (; pos < m.index; pos++) if (text.charCodeAt(pos) === 10) line++;
    lines.push(line);
  }
  return lines;
}
