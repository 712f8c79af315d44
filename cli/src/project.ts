// Converting a project: find its lockfiles, convert each, write the generated data, the core builders and
// a default.nix that wires them together, all at once or not at all.

import { open, readdir, readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkFiles,
  convertText,
  dataFileKind,
  GENERATED_JSON_PREFIX,
  GENERATED_PREFIX,
  LockfileError,
  nixAttrName,
  nixString,
  pinCommand,
  readLockfile,
  UsageError,
  writeFilesAtomic,
  type ConvertContext,
  type ConvertResult,
  type Converter,
  type EarlierEntry,
  type FileText,
  type Ecosystem,
} from '@lock2nix/core';
import { infoFor, registry } from './registry.ts';
import { mayHavePinnedEntries, readDataFile } from './update/data.ts';

const SKIP_DIRS = new Set(['node_modules', '.git', 'target', '.yarn', '.venv', 'venv', '__pycache__', 'bin', 'result', '.direnv', '.tools', '.cache']);
const MAX_DEPTH = 6;

export interface FoundLockfile {
  converter: Converter;
  /** absolute path */
  file: string;
  text: string;
}

/** Every supported lockfile under `root`, sorted by path; `only` restricts to one ecosystem. */
export async function findLockfiles(root: string, opts: { only?: Ecosystem; outDir?: string } = {}): Promise<FoundLockfile[]> {
  const candidates = opts.only ? [infoFor(opts.only)] : registry;
  const names = new Set(candidates.flatMap((c) => c.lockfileNames));
  const found: FoundLockfile[] = [];
  const outDir = opts.outDir ? resolve(opts.outDir) : undefined;
  async function walk(dir: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIP_DIRS.has(e.name) && p !== outDir && !e.name.startsWith('.')) await walk(p, depth + 1);
        else if (depth < MAX_DEPTH && e.name === 'obj') await walk(p, depth + 1);
      } else if (e.isFile() && names.has(e.name)) {
        const text = await readFile(p, 'utf8');
        const info = candidates.find((c) => c.lockfileNames.includes(e.name) && c.detect(e.name, text));
        if (info) found.push({ converter: await info.load(), file: p, text });
      }
    }
  }
  await walk(resolve(root), 0);
  return found;
}

/**
 * The name of a lockfile's data file inside the output folder: the ecosystem for the root lockfile, then the
 * folder path (and the lockfile's name when it is not the ecosystem's main one): `cargo`, `cargo-sub-dir`,
 * `nuget-app-packages-lock`.
 */
export function outputName(conv: Converter, root: string, file: string): string {
  const rel = relative(resolve(root), file).split(sep);
  const base = rel.pop()!;
  if (rel.at(-1) === 'obj') rel.pop(); // NuGet writes obj/project.assets.json: the project is the folder above
  if (base !== conv.lockfileNames[0]) rel.push(base.replace(/\.(lock|json)$/, ''));
  const stem = rel.join('-').replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, '');
  return stem ? `${conv.ecosystem}-${stem}` : conv.ecosystem;
}

export function templatesLibDir(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@lock2nix/templates/package.json'))), 'lib');
}

/**
 * The core builders the outputs need: `<eco>.nix` and its helpers `<eco>-*.nix` for each ecosystem present,
 * plus shared files not named after any ecosystem.
 */
async function builderFiles(outDir: string, ecosystems: Set<string>): Promise<Map<string, FileText>> {
  const lib = templatesLibDir();
  const all = registry.map((c) => c.ecosystem as string);
  const wanted = (name: string) => {
    const owner = all.find((e) => name === `${e}.nix` || name.startsWith(`${e}-`));
    return owner === undefined || ecosystems.has(owner);
  };
  const files = new Map<string, FileText>();
  for (const name of (await readdir(lib)).sort()) {
    // the builders, and the scripts they run (yarn-berry-zip.mjs; not its .d.mts types)
    if ((name.endsWith('.nix') || name.endsWith('.mjs')) && wanted(name)) files.set(join(outDir, 'lib', name), await readFile(join(lib, name), 'utf8'));
  }
  return files;
}

/** the top-level `ecosystem` of a legacy (format 1 or 2) data file, on a line of its own */
const ECOSYSTEM_LINE = /^ {2}ecosystem = "([a-z]+)";$/m;
/** the top-level `ecosystem` of a data file (format 3), in its first lines */
const ECOSYSTEM_JSON_LINE = /^ {2}"ecosystem": "([a-z]+)",$/m;
/** how much of a data file holds its top-level `ecosystem` (after `generated`, which names a lockfile, and `format`) */
const JSON_HEAD = 1 << 16;

/** Where the last line break of `s` is (those of a multiline `^`/`$`), or 0. */
function lastLineBreak(s: string): number {
  for (let i = s.length - 1; i > 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return i;
  }
  return 0;
}

/**
 * The ecosystem of a data file lock2nix wrote (`"ecosystem": "..."` at the top level of a `.json` one,
 * `ecosystem = "...";` of a legacy `.nix` one), or undefined when it is not one. Only the head of a JSON file is
 * read (the key comes third); a legacy file is read in pieces: the line comes after the artifacts, and the file of
 * a large lockfile is tens of MB that a whole read would hold beside the new output. Lines are matched whole, as
 * in the text read at once.
 */
export async function dataFileEcosystem(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r');
  try {
    if (path.endsWith('.json')) {
      const buf = Buffer.alloc(JSON_HEAD);
      let n = 0;
      for (let r; n < buf.length && (r = await fh.read(buf, n, buf.length - n, null)).bytesRead > 0; ) n += r.bytesRead;
      const head = new StringDecoder('utf8').write(buf.subarray(0, n));
      if (!head.startsWith(GENERATED_JSON_PREFIX)) return undefined;
      return ECOSYSTEM_JSON_LINE.exec(head)?.[1];
    }
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.alloc(1 << 16);
    let carry = '';
    let checkedHeader = false;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      const s = carry + (bytesRead > 0 ? decoder.write(buf.subarray(0, bytesRead)) : decoder.end());
      if (!checkedHeader) {
        if (s.length < GENERATED_PREFIX.length && bytesRead > 0) {
          carry = s;
          continue;
        }
        if (!s.startsWith(GENERATED_PREFIX)) return undefined;
        checkedHeader = true;
      }
      // complete lines only (the break before the rest stays with the rest, so that `^` still sees it)
      const cut = bytesRead > 0 ? lastLineBreak(s) : s.length;
      const m = ECOSYSTEM_LINE.exec(s.slice(0, cut));
      if (m) return m[1];
      if (bytesRead === 0) return undefined;
      carry = s.slice(cut);
    }
  } finally {
    await fh.close();
  }
}

/** A data file already in the output folder (from an earlier run, maybe for another ecosystem). */
export interface ExistingOutput {
  /** the output name (the file name without `.json` or `.nix`) */
  name: string;
  ecosystem: string;
  /** `nix`: a legacy data file (formats 1 and 2), which the core builders no longer read */
  kind: 'json' | 'nix';
}

/** The data files lock2nix wrote in the output folder: `<name>.json`, and legacy `<name>.nix` ones. */
export async function existingOutputs(outDir: string): Promise<ExistingOutput[]> {
  const found: ExistingOutput[] = [];
  let names: string[] = [];
  try {
    names = await readdir(outDir);
  } catch {
    return found;
  }
  for (const n of names.sort()) {
    const kind = n.endsWith('.json') ? 'json' : n.endsWith('.nix') && n !== 'default.nix' ? 'nix' : undefined;
    if (kind === undefined) continue;
    const eco = await dataFileEcosystem(join(outDir, n)).catch(() => undefined);
    if (eco !== undefined && registry.some((c) => c.ecosystem === eco)) found.push({ name: n.slice(0, -(kind.length + 1)), ecosystem: eco, kind });
  }
  return found;
}

export function renderDefaultNix(outputs: Map<string, string>): string {
  const lines = [...outputs.keys()].sort().map((name) => {
    const info = infoFor(outputs.get(name) as Ecosystem);
    return `  ${nixAttrName(name)} = callPackage ./lib/${info.builder} { lock = builtins.fromJSON (builtins.readFile ./${name}.json); };`;
  });
  return `# Generated by lock2nix. Do not edit.\n# Use: (pkgs.callPackage ./${'lock2nix'} { }).<name>, or callPackage one lib/<builder>.nix yourself.\n{ callPackage }:\n{\n${lines.join('\n')}\n}\n`;
}

/**
 * The entries of the data file an earlier run wrote for this lockfile (`<name>.json`, or else a legacy
 * `<name>.nix`), for an --offline run (ConvertContext.earlier: what of it may be reused is decided in
 * core/src/pin.ts and the converters). Undefined when there is none, or it is not a format 2 or 3 file of this
 * ecosystem and lockfile name, or it cannot be read (then it is simply replaced).
 */
async function earlierOutput(outDir: string, name: string, l: FoundLockfile): Promise<Map<string, EarlierEntry> | undefined> {
  let text: string | undefined;
  let path = '';
  for (const ext of ['json', 'nix']) {
    path = join(outDir, `${name}.${ext}`);
    text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) break;
  }
  const kind = text === undefined ? undefined : dataFileKind(text);
  if (text === undefined || kind === undefined) return undefined;
  // nothing pinned, nothing to lend: the same as no earlier output (every look-up would find nothing)
  if (kind === 'json' && !mayHavePinnedEntries(text)) return undefined;
  try {
    // only pinned entries can lend anything: the rest are not even built
    const data = readDataFile(text, path, { pinnedOnly: true });
    if ((data.format !== 2 && data.format !== 3) || data.ecosystem !== l.converter.ecosystem || data.lockfile.name !== basename(l.file)) return undefined;
    return data.entries;
  } catch {
    return undefined;
  }
}

export interface ProjectRun {
  results: { name: string; file: string; converter: Converter; result: ConvertResult }[];
  outDir: string;
  /** every file written (or checked), by path: its text, or the pieces of it (see ConvertResult.textPieces) */
  files: Map<string, FileText>;
  /** legacy data files this run removed (each replaced by its `<name>.json`) */
  removed: string[];
  /** about other data files in the output folder (legacy ones left out of default.nix), by output name */
  warnings: { output: string; message: string }[];
}

export interface ProjectOptions {
  root: string;
  outDir: string;
  only?: Ecosystem;
  lockfile?: string;
  check: boolean;
  /** extra output formats to write beside the data files (see Converter.formats) */
  formats?: string[];
  ctx: Omit<ConvertContext, 'projectDir'>;
}

export async function runProject(opts: ProjectOptions): Promise<ProjectRun> {
  let locks: FoundLockfile[];
  if (opts.lockfile) {
    const file = resolve(opts.lockfile);
    const text = await readLockfile(file);
    const name = basename(file);
    const info = opts.only
      ? infoFor(opts.only)
      : registry.find((c) => c.detect(name, text)) ?? registry.find((c) => c.lockfileNames.includes(name));
    if (!info) throw new UsageError(`${file}: not a lockfile lock2nix knows; name the ecosystem (lock2nix cargo|yarn|poetry|nuget --lockfile ...)`);
    locks = [{ converter: await info.load(), file, text }];
  } else {
    locks = await findLockfiles(opts.root, { ...(opts.only ? { only: opts.only } : {}), outDir: opts.outDir });
    if (locks.length === 0) {
      const what = opts.only ? infoFor(opts.only).lockfileNames.join(' or ') : 'supported lockfile';
      throw new UsageError(`no ${what} found under ${opts.root}`);
    }
  }
  for (const f of opts.formats ?? []) {
    if (!locks.some((l) => l.converter.formats?.[f])) {
      const offered = registry.flatMap((c) => c.formats.map((k) => `${k} (${c.title})`));
      throw new UsageError(`no lockfile here has a --format ${f} output; formats: ${offered.join(', ') || 'none'}`);
    }
  }
  const results: ProjectRun['results'] = [];
  for (const l of locks) {
    const name = outputName(l.converter, opts.root, l.file);
    const ctx: ConvertContext = { ...opts.ctx, projectDir: dirname(l.file) };
    if (ctx.offline && !ctx.earlier && l.converter.offlineReusesEarlierOutput) {
      const earlier = await earlierOutput(opts.outDir, name, l);
      if (earlier) ctx.earlier = (key) => earlier.get(key);
    }
    const result = await convertText(l.converter, l.file, l.text, ctx);
    results.push({ name, file: l.file, converter: l.converter, result });
  }
  const seen = new Map<string, string>();
  for (const r of results) {
    const other = seen.get(r.name);
    if (other) throw new LockfileError(r.file, undefined, `its output name ${r.name} clashes with ${other}`);
    seen.set(r.name, r.file);
  }
  // default.nix names every data file in the folder: this run's and the JSON ones of earlier runs. A legacy
  // `.nix` one is removed when this run writes its `.json`, and otherwise left out (the builders refuse its
  // format) with a warning that says how to regenerate it.
  const outputs = new Map<string, string>();
  const removed: string[] = [];
  const warnings: ProjectRun['warnings'] = [];
  const written = new Set(results.map((r) => r.name));
  for (const o of await existingOutputs(opts.outDir)) {
    const path = join(opts.outDir, `${o.name}.${o.kind}`);
    if (o.kind === 'json') outputs.set(o.name, o.ecosystem);
    else if (written.has(o.name)) removed.push(path);
    else warnings.push({ output: o.name, message: `${path} is a data file of an earlier lock2nix (a Nix expression, format 2 or older), which the core builders no longer read: left out of default.nix; run \`${pinCommand(o.ecosystem as Ecosystem)}\` to regenerate it as ${o.name}.json` });
  }
  for (const r of results) outputs.set(r.name, r.converter.ecosystem);
  const files = await builderFiles(opts.outDir, new Set(outputs.values()));
  for (const r of results) {
    files.set(join(opts.outDir, `${r.name}.json`), r.result.textPieces);
    for (const f of opts.formats ?? []) {
      const fmt = r.converter.formats?.[f];
      if (fmt) files.set(join(opts.outDir, `${r.name}${fmt.suffix}`), fmt.render(r.result.artifacts));
    }
  }
  files.set(join(opts.outDir, 'default.nix'), renderDefaultNix(outputs));
  if (opts.check) await checkFiles(files, removed);
  else await writeFilesAtomic(files, removed);
  return { results, outDir: opts.outDir, files, removed, warnings };
}

export { nixString };
