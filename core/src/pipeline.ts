// parse -> resolve -> pin -> finish -> render: the same for every ecosystem.

import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import type { ConvertContext, Converter } from './converter.ts';
import { Lock2nixError, LockfileError } from './errors.ts';
import { digestHex, hexToSri } from './hash/encode.ts';
import type { NixData, ParsedLock, PinnedArtifact } from './model.ts';
import { safeRelativePath } from './paths.ts';
import { label, pinAll } from './pin.ts';
import { joinPieces } from './printing.ts';
import { renderDataPieces } from './render.ts';

export interface ConvertResult {
  lock: ParsedLock;
  artifacts: PinnedArtifact[];
  meta?: NixData;
  /** entries that are fetched but could not be pinned (offline without a usable hash) */
  unpinned: PinnedArtifact[];
  warnings: string[];
  /** the generated data file's text (joined from `textPieces` when first read) */
  readonly text: string;
  /** the same text in the pieces it was printed in: written out as they are, it never has to be one string */
  textPieces: readonly string[];
}

/** Read a lockfile; a missing or unreadable file is a clear error, not a stack trace. */
export async function readLockfile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new LockfileError(file, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Keys and cache paths must be unique and safe: two entries that would share a name are caught here. */
function checkArtifacts(file: string, artifacts: PinnedArtifact[]): void {
  const keys = new Map<string, PinnedArtifact>();
  const paths = new Map<string, PinnedArtifact>();
  for (const a of artifacts) {
    const k = keys.get(a.key);
    if (k) throw new LockfileError(file, a.line, `two entries share the key ${JSON.stringify(a.key)} (${label(k)} and ${label(a)})`);
    keys.set(a.key, a);
    if (a.fetch.type === 'none') continue;
    try {
      safeRelativePath(a.cachePath, `cache name of ${label(a)}`);
    } catch (e) {
      throw new LockfileError(file, a.line, (e as Error).message);
    }
    const p = paths.get(a.cachePath);
    if (p) throw new LockfileError(file, a.line, `${label(p)} and ${label(a)} would share the name ${JSON.stringify(a.cachePath)} in the offline cache`);
    paths.set(a.cachePath, a);
  }
}

export async function convertText(conv: Converter, file: string, text: string, ctx: ConvertContext): Promise<ConvertResult> {
  const abs = resolvePath(file);
  const lock = conv.parse(abs, text);
  const resolved = await conv.resolve(lock, ctx);
  let artifacts = await pinAll(resolved.artifacts, conv, ctx);
  let meta = resolved.meta;
  if (conv.finish) {
    const fin = await conv.finish(artifacts, resolved, ctx);
    artifacts = fin.artifacts;
    if (fin.meta !== undefined) meta = fin.meta;
  }
  artifacts = [...artifacts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  checkArtifacts(abs, artifacts);
  let joined: string | undefined;
  const rendered = renderDataPieces({
    ecosystem: conv.ecosystem,
    lockfileName: basename(abs),
    lockfileFormat: lock.format,
    lockfileHash: hexToSri('sha256', digestHex('sha256', text)),
    artifacts,
    ...(meta !== undefined ? { meta } : {}),
  });
  return {
    lock,
    artifacts,
    ...(meta !== undefined ? { meta } : {}),
    unpinned: artifacts.filter((a) => a.fetch.type !== 'none' && !a.pin),
    warnings: [
      ...(resolved.warnings ?? []),
      ...(rendered.strippedCredentials
        ? ['credentials in lockfile URLs were used for downloading and left out of the output; give Nix access to those hosts with a netrc file (nix.conf netrc-file)']
        : []),
    ],
    textPieces: rendered.pieces,
    get text(): string {
      return (joined ??= joinPieces(rendered.pieces));
    },
  };
}

export async function convertFile(conv: Converter, file: string, ctx: Omit<ConvertContext, 'projectDir'> & { projectDir?: string }): Promise<ConvertResult> {
  const text = await readLockfile(file);
  return convertText(conv, file, text, { ...ctx, projectDir: ctx.projectDir ?? dirname(resolvePath(file)) });
}

export { Lock2nixError };
