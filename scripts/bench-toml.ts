// smol-toml (what core/src/toml.ts uses) against @iarna/toml on every Cargo.lock and poetry.lock in the corpus:
// do both parse, are the results deep-equal, do both reject deliberately broken inputs with the right line,
// and how fast are they (median of repeated, interleaved runs).
// Usage: node scripts/bench-toml.ts [--runs N] [--corpus DIR ...]

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import iarna from '@iarna/toml';
import { parseToml } from '../core/src/toml.ts';
import { LockfileError } from '../core/src/errors.ts';

const { values: opt } = parseArgs({ options: { runs: { type: 'string' }, corpus: { type: 'string', multiple: true } } });
const RUNS = Number(opt.runs ?? 15);
const ROOT = new URL('..', import.meta.url).pathname;
const corpora = opt.corpus ?? ['/work/shared/corpus', join(ROOT, 'fixtures/corpus')];

// smol-toml itself, resolved from core (it is core's dependency), for timing the bare parser
const smol = (await import(pathToFileURL(createRequire(join(ROOT, 'core/package.json')).resolve('smol-toml')).href)) as { parse: (s: string) => unknown };

function find(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) find(p, out);
    else if (n === 'Cargo.lock' || n === 'poetry.lock') out.push(p);
  }
  return out;
}

/** Plain JSON-like data: Dates as ISO strings, bigints as numbers, no prototypes or symbols. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, plain((v as Record<string, unknown>)[k])]));
  return v;
}

interface Broken { what: string; text: string; line: number }

/** Deliberately broken variants of a lockfile, each with the line the error is on. */
function breakages(text: string): Broken[] {
  const lines = text.split('\n');
  const at = (pred: (l: string) => boolean, from = Math.floor(lines.length / 2)) => {
    for (let i = from; i < lines.length; i++) if (pred(lines[i]!)) return i;
    for (let i = 0; i < from; i++) if (pred(lines[i]!)) return i;
    return -1;
  };
  const out: Broken[] = [];
  const withLine = (i: number, repl: string[], what: string, errLine = i + 1) => {
    if (i < 0) return;
    out.push({ what, text: [...lines.slice(0, i), ...repl, ...lines.slice(i + 1)].join('\n'), line: errLine });
  };
  const v = at((l) => /^version = "/.test(l));
  withLine(v, [lines[v]!.replace(/"$/, '')], 'unterminated string');
  withLine(v, [lines[v]!, lines[v]!], 'duplicate key', v + 2);
  const h = at((l) => l === '[[package]]');
  withLine(h, ['[[package]'], 'unclosed table header');
  const n = at((l) => /^name = "/.test(l));
  withLine(n, [lines[n]!.replace(' = ', ' ')], 'key without =');
  withLine(n, [`${lines[n]!} trailing`], 'garbage after value');
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// a copy (fixtures/corpus holds copies of shared/corpus) is measured once
const seenText = new Set<string>();
const files = corpora.flatMap((c) => find(c)).filter((f) => {
  const t = readFileSync(f, 'utf8');
  if (seenText.has(t)) return false;
  seenText.add(t);
  return true;
});
let allEqual = true;
const rows: string[] = [];
let smolTotal = 0;
let iarnaTotal = 0;
const errRows: string[] = [];
const errTally = { smol: { rejected: 0, rightLine: 0 }, iarna: { rejected: 0, rightLine: 0 }, total: 0 };
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const name = relative('/', f).replace(/^work\/shared\/corpus\//, 'corpus/').replace(/^.*fixtures\/corpus\//, 'fixtures/corpus/');
  let a: unknown, b: unknown;
  let note = '';
  try { a = parseToml(f, text); } catch (e) { note += ` smol-toml failed: ${(e as Error).message}`; }
  try { b = iarna.parse(text); } catch (e) { note += ` @iarna/toml failed: ${(e as Error).message.split('\n')[0]}`; }
  const equal = a !== undefined && b !== undefined && isDeepStrictEqual(plain(a), plain(b));
  allEqual &&= equal;
  const ts: number[] = [];
  const ti: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    ts.push(time(() => smol.parse(text)));
    ti.push(time(() => iarna.parse(text)));
  }
  const ms = median(ts);
  const mi = median(ti);
  smolTotal += ms;
  iarnaTotal += mi;
  rows.push(`| ${name} | ${(text.length / 1024).toFixed(0)} KiB | ${ms.toFixed(2)} | ${mi.toFixed(2)} | ${(mi / ms).toFixed(2)}× | ${equal ? 'yes' : `NO${note}`} |`);
  for (const br of breakages(text)) {
    errTally.total++;
    let sLine: number | undefined | 'accepted' = 'accepted';
    let iLine: number | undefined | 'accepted' = 'accepted';
    try { parseToml(f, br.text); } catch (e) { sLine = e instanceof LockfileError ? e.line : undefined; }
    try { iarna.parse(br.text); } catch (e) { const l = (e as { line?: number }).line; iLine = l === undefined ? undefined : l + 1; }
    if (sLine !== 'accepted') errTally.smol.rejected++;
    if (sLine === br.line) errTally.smol.rightLine++;
    if (iLine !== 'accepted') errTally.iarna.rejected++;
    if (iLine === br.line) errTally.iarna.rightLine++;
    if (sLine !== br.line || iLine !== br.line) errRows.push(`  ${name}: ${br.what} on line ${br.line}: smol-toml ${sLine === 'accepted' ? 'accepted it' : `line ${sLine}`}, @iarna/toml ${iLine === 'accepted' ? 'accepted it' : `line ${iLine}`}`);
  }
}

console.log(`TOML parsers on ${files.length} distinct lockfiles (${corpora.join(', ')}); median of ${RUNS} interleaved runs, ms\n`);
console.log('| file | size | smol-toml | @iarna/toml | iarna/smol | deep-equal |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`| total | | ${smolTotal.toFixed(2)} | ${iarnaTotal.toFixed(2)} | ${(iarnaTotal / smolTotal).toFixed(2)}× | ${allEqual ? 'all' : 'NOT all'} |`);
console.log(`\nbroken inputs (${errTally.total}: unterminated string, duplicate key, unclosed header, key without =, garbage after value, per file):`);
console.log(`  smol-toml (via core parseToml): rejected ${errTally.smol.rejected}/${errTally.total}, LockfileError on the broken line ${errTally.smol.rightLine}/${errTally.total}`);
console.log(`  @iarna/toml: rejected ${errTally.iarna.rejected}/${errTally.total}, error on the broken line ${errTally.iarna.rightLine}/${errTally.total}`);
if (errRows.length) console.log(`  line differences:\n${errRows.join('\n')}`);
console.log(`\n(${process.version}; machine shared with other jobs: compare the ratio, not the absolute times)`);
