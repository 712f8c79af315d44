// The NAR hash of a git commit's tree as nixpkgs' fetchgit produces it (a checkout with every `.git`
// removed), read straight from the object database: `git ls-tree -r -z -l` for the layout and one
// `git cat-file --batch` process for symlink targets and file contents (streamed in NAR order).
// `git archive` is never used: it applies export-ignore and export-subst.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Lock2nixError } from '../errors.ts';
import type { HashAlgo } from '../model.ts';
import { toSri } from './encode.ts';
import {
  TreeBuilder, displayName, emptyDirectory, symlinkNode, treeNarHashBytes, type TreeDirectory, type TreeNode,
} from './tree.ts';

const run = promisify(execFile);

/** A submodule (gitlink) found in the tree. */
export interface GitSubmodule {
  /** path inside the superproject (text; bytes that are not UTF-8 show as U+FFFD) */
  path: string;
  /** the commit the superproject records */
  rev: string;
  /** from `.gitmodules` at that commit, as written there (may be relative, e.g. `../lib.git`) */
  url?: string;
  /** the submodule's name in `.gitmodules` */
  name?: string;
}

export interface GitTreeOptions {
  /**
   * What to put where a submodule is:
   * - `false` (default): an empty folder, as a checkout without `fetchSubmodules` leaves it;
   * - a function: the tree it returns (e.g. `gitTree` of the submodule's repository at `rev`), as fetchgit's
   *   default `fetchSubmodules = true` does. The returned tree's contents must stay readable until the
   *   superproject's tree has been hashed (close a nested `GitTree` only afterwards). Relative URLs in
   *   `GitSubmodule.url` are the resolver's to interpret (against the superproject's URL, as git does).
   */
  submodules?: false | ((sub: GitSubmodule) => Promise<TreeNode>);
}

export interface GitTree {
  root: TreeDirectory;
  /** every submodule of this tree (not those of nested submodules), in path order */
  submodules: GitSubmodule[];
  /** stops the `git cat-file` process; call when done (after hashing) */
  close(): Promise<void>;
}

/** One `git cat-file --batch` process: requests go in one at a time, answers are read as a byte stream. */
class CatFile {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly chunks: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private stderr = '';
  private busy: Promise<void> = Promise.resolve();

  constructor(repo: string) {
    this.proc = spawn('git', ['-C', repo, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.proc.stdin.on('error', () => undefined);
    this.proc.on('error', () => undefined);
    this.chunks = (this.proc.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async more(): Promise<void> {
    const r = await this.chunks.next();
    if (r.done) throw new Lock2nixError(`git cat-file ended early${this.stderr ? `: ${this.stderr.trim()}` : ''}`);
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
  }

  /** Ask for an object; returns its type and size, leaving the contents to `body`. */
  private async header(oid: string): Promise<{ type: string; size: number }> {
    this.proc.stdin.write(`${oid}\n`);
    let nl: number;
    while ((nl = this.buf.indexOf(10)) < 0) await this.more();
    const line = this.buf.subarray(0, nl).toString();
    this.buf = this.buf.subarray(nl + 1);
    const m = /^([0-9a-f]+) (\S+) (\d+)$/.exec(line);
    if (!m) throw new Lock2nixError(`git cat-file: object ${oid}: ${line}`);
    return { type: m[2]!, size: Number(m[3]) };
  }

  private async *body(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (this.buf.length === 0) await this.more();
      const take = Math.min(left, this.buf.length);
      const part = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      yield part;
    }
    if (this.buf.length === 0) await this.more();
    this.buf = this.buf.subarray(1); // the newline after the contents
  }

  /** Stream a blob's bytes. Requests are served one after the other. */
  async *blob(oid: string): AsyncGenerator<Buffer> {
    const prev = this.busy;
    let release!: () => void;
    this.busy = new Promise((r) => (release = r));
    await prev;
    try {
      const { type, size } = await this.header(oid);
      if (type !== 'blob') throw new Lock2nixError(`git object ${oid} is a ${type}, not a blob`);
      yield* this.body(size);
    } finally {
      release();
    }
  }

  async read(oid: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.blob(oid)) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      await new Promise<void>((r) => {
        this.proc.once('close', () => r());
        setTimeout(() => { this.proc.kill(); }, 5000).unref();
      });
    }
  }
}

interface LsTreeEntry {
  mode: string;
  type: string;
  oid: string;
  size: number;
  /** raw path bytes */
  path: Buffer;
}

async function lsTree(repo: string, rev: string): Promise<LsTreeEntry[]> {
  let out: Buffer;
  try {
    out = (await run('git', ['-C', repo, 'ls-tree', '-r', '-z', '-l', '--full-tree', rev, '--'], { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 })).stdout;
  } catch (e) {
    throw new Lock2nixError(`cannot list ${rev} in ${repo}: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`);
  }
  const entries: LsTreeEntry[] = [];
  let pos = 0;
  while (pos < out.length) {
    const end = out.indexOf(0, pos);
    const rec = out.subarray(pos, end < 0 ? out.length : end);
    pos = end < 0 ? out.length : end + 1;
    const tab = rec.indexOf(9);
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)$/.exec(rec.subarray(0, tab).toString());
    if (tab < 0 || !m) throw new Lock2nixError(`unexpected git ls-tree output: ${JSON.stringify(rec.toString())}`);
    entries.push({ mode: m[1]!, type: m[2]!, oid: m[3]!, size: m[4] === '-' ? 0 : Number(m[4]), path: rec.subarray(tab + 1) });
  }
  return entries;
}

/** `.gitmodules` at the commit: path -> { name, url }. */
async function readGitmodules(repo: string, rev: string): Promise<Map<string, { name: string; url?: string }>> {
  const map = new Map<string, { name: string; url?: string }>();
  let out: string;
  try {
    out = (await run('git', ['-C', repo, 'config', '-z', '--blob', `${rev}:.gitmodules`, '--get-regexp', '^submodule\\..*\\.(path|url)$'])).stdout;
  } catch {
    return map; // no .gitmodules (or no submodule entries)
  }
  const byName = new Map<string, { path?: string; url?: string }>();
  for (const rec of out.split('\0')) {
    const nl = rec.indexOf('\n');
    if (nl < 0) continue;
    const key = rec.slice(0, nl);
    const value = rec.slice(nl + 1);
    const m = /^submodule\.(.*)\.(path|url)$/.exec(key);
    if (!m) continue;
    const s = byName.get(m[1]!) ?? {};
    if (m[2] === 'path') s.path = value;
    else s.url = value;
    byName.set(m[1]!, s);
  }
  for (const [name, s] of byName) if (s.path !== undefined) map.set(s.path, s.url === undefined ? { name } : { name, url: s.url });
  return map;
}

/** .gitattributes settings that make a checkout differ from the stored blobs. */
const CHECKOUT_REWRITES = /(?:^|\s)(ident|eol=crlf|crlf|working-tree-encoding=\S+)(?=\s|$)/;

function checkAttributes(text: string, path: string): void {
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const m = CHECKOUT_REWRITES.exec(line.replace(/^\s*\S+/, ''));
    if (m) throw new Lock2nixError(`${path} sets "${m[1]}", which makes a checkout differ from the committed bytes; this is not supported`);
  }
}

/**
 * The tree fetchgit would check out at `rev` (a commit or tree id, or any name git resolves) in the
 * repository `repo` (bare or not): modes 100755 → executable, 100644 → regular, 120000 → symlink,
 * 160000 → submodule (see `GitTreeOptions.submodules`).
 */
export async function gitTree(repo: string, rev: string, opts: GitTreeOptions = {}): Promise<GitTree> {
  const entries = await lsTree(repo, rev);
  const cat = new CatFile(repo);
  const b = new TreeBuilder();
  const submodules: GitSubmodule[] = [];
  try {
    const gitlinks = entries.filter((e) => e.mode === '160000');
    const modules = gitlinks.length ? await readGitmodules(repo, rev) : new Map<string, { name: string; url?: string }>();
    for (const e of entries) {
      const parts = e.path.toString('latin1').split('/');
      const what = 'git path';
      switch (e.mode) {
        case '100644':
        case '100664': // old git
        case '100755': {
          const oid = e.oid;
          b.add(parts, { type: 'regular', executable: e.mode === '100755', size: e.size, contents: () => cat.blob(oid) }, what);
          if (parts[parts.length - 1] === '.gitattributes') checkAttributes((await cat.read(e.oid)).toString(), e.path.toString());
          break;
        }
        case '120000':
          b.add(parts, symlinkNode(await cat.read(e.oid)), what);
          break;
        case '160000': {
          const path = e.path.toString();
          const m = modules.get(path);
          const sub: GitSubmodule = { path, rev: e.oid, ...(m ? (m.url === undefined ? { name: m.name } : { name: m.name, url: m.url }) : {}) };
          submodules.push(sub);
          let node: TreeNode = emptyDirectory();
          if (opts.submodules) node = await opts.submodules(sub);
          if (node.type !== 'directory') throw new Lock2nixError(`submodule ${path}: the resolver returned a ${node.type}, not a folder`);
          b.add(parts, node, what);
          break;
        }
        default:
          throw new Lock2nixError(`git path ${JSON.stringify(displayName(e.path.toString('latin1')))} has unsupported mode ${e.mode}`);
      }
    }
  } catch (e) {
    await cat.close();
    throw e;
  }
  return { root: b.root, submodules, close: () => cat.close() };
}

/** NAR hash (raw bytes) of the tree fetchgit would produce for `rev`. */
export async function gitNarHashBytes(repo: string, rev: string, opts: GitTreeOptions & { algo?: HashAlgo } = {}): Promise<Uint8Array> {
  const t = await gitTree(repo, rev, opts);
  try {
    return await treeNarHashBytes(t.root, opts.algo ?? 'sha256');
  } finally {
    await t.close();
  }
}

/** SRI NAR hash of the tree fetchgit would produce for `rev` (what its `hash` must be). */
export async function gitNarHash(repo: string, rev: string, opts: GitTreeOptions & { algo?: HashAlgo } = {}): Promise<string> {
  return toSri(opts.algo ?? 'sha256', await gitNarHashBytes(repo, rev, opts));
}
