// Showing an update: a terminal table, Markdown for a pull request body, and JSON. Pure functions of the
// report, so the action and the CLI print the same thing.

import { countChanges, type ChangeKind, type OutputDiff, type PackageChange } from './diff.ts';

export interface UpdateReport {
  outDir: string;
  outputs: OutputDiff[];
  /** data files of outputs whose lockfile is gone (left in place, listed here) */
  orphaned: string[];
  /** files whose text changed (absolute paths), sorted */
  changedFiles: string[];
  /** how the hashes of changed entries were obtained */
  pins: { download: number; lockfile: number; reused: number; unpinned: number };
  warnings: { output: string; message: string }[];
}

const ORDER: ChangeKind[] = ['upgraded', 'downgraded', 'added', 'removed', 'changed'];

export function summaryLine(report: UpdateReport): string {
  const n = countChanges(report.outputs);
  const parts = ORDER.filter((k) => n[k] > 0).map((k) => `${n[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'no package changes';
}

function hashNote(report: UpdateReport): string {
  const p = report.pins;
  const bits: string[] = [];
  if (p.download) bits.push(`${p.download} verified by download`);
  if (p.lockfile) bits.push(`${p.lockfile} from lockfile checksums`);
  if (p.unpinned) bits.push(`${p.unpinned} not pinned (offline)`);
  return bits.length ? `hashes: ${bits.join(', ')}` : '';
}

export function hasChanges(report: UpdateReport): boolean {
  return report.changedFiles.length > 0;
}

function rows(report: UpdateReport): { eco: string; output: string; c: PackageChange }[] {
  return report.outputs.flatMap((o) => o.changes.map((c) => ({ eco: o.ecosystem, output: o.output, c })));
}

function oldNew(c: PackageChange): [string, string] {
  return [c.old?.version ?? '—', c.new?.version ?? '—'];
}

function sourceCell(c: PackageChange): string {
  const s = c.new?.source ?? c.old?.source ?? '';
  const extra = c.details.filter((d) => !d.startsWith('source '));
  const moved = c.details.find((d) => d.startsWith('source '));
  return [moved ?? s, ...extra].join('; ');
}

/** A plain-text table for a terminal (no colour; aligned columns). */
export function formatTable(report: UpdateReport): string {
  const head = ['ecosystem', 'change', 'package', 'old', 'new', 'source'];
  const body = rows(report).map(({ output, c }) => [output, c.kind, c.name, ...oldNew(c), sourceCell(c)]);
  const lines: string[] = [];
  if (body.length) {
    const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(w[i]!))).join('  ').trimEnd();
    lines.push(fmt(head), fmt(w.map((n) => '-'.repeat(n))), ...body.map(fmt));
  }
  const note = hashNote(report);
  lines.push(`lock2nix update: ${summaryLine(report)}${note ? ` (${note})` : ''}; ${report.changedFiles.length} file(s) changed`);
  for (const o of report.orphaned) lines.push(`note: ${o} has no lockfile any more; remove it if it is not needed`);
  return `${lines.join('\n')}\n`;
}

/** Escape text for a Markdown table cell. */
function md(s: string): string {
  return s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** GitHub refuses pull request bodies over 65536 characters; stay well below. */
export const MAX_BODY = 60_000;

/** Markdown for a pull request body: a heading with the counts, one table, warnings folded away. */
export function formatMarkdown(report: UpdateReport, opts: { maxLength?: number; footer?: string } = {}): string {
  const max = opts.maxLength ?? MAX_BODY;
  const note = hashNote(report);
  const head = `### lock2nix: ${summaryLine(report)}${note ? ` (${note})` : ''}\n`;
  const all = rows(report);
  const table = ['| ecosystem | change | package | old | new | source | new hash |', '|---|---|---|---|---|---|---|'];
  const tableRows = all.map(({ output, c }) => {
    const [o, n] = oldNew(c);
    return `| ${md(output)} | ${c.kind} | ${md(c.name)} | ${md(o)} | ${md(n)} | ${md(sourceCell(c))} | ${c.new?.hash ? `\`${c.new.hash}\`` : '—'} |`;
  });
  const tail: string[] = [];
  const other = report.outputs.filter((o) => o.changes.length === 0);
  if (other.length) tail.push(`\nRegenerated without package changes: ${other.map((o) => `\`${o.output}\``).join(', ')}.`);
  if (report.warnings.length) {
    tail.push(`\n<details><summary>Warnings (${report.warnings.length})</summary>\n`);
    for (const w of report.warnings) tail.push(`- ${md(w.output)}: ${md(w.message)}`);
    tail.push('</details>');
  }
  if (opts.footer) tail.push(`\n${opts.footer}`);
  const tailText = tail.join('\n');
  let out = head;
  if (tableRows.length) {
    const budget = max - head.length - tailText.length - 200;
    const kept: string[] = [];
    let used = table.join('\n').length;
    for (const r of tableRows) {
      if (used + r.length + 1 > budget) break;
      kept.push(r);
      used += r.length + 1;
    }
    out += `\n${[...table, ...kept].join('\n')}\n`;
    if (kept.length < tableRows.length) out += `\n… and ${tableRows.length - kept.length} more changes (run \`lock2nix update\` locally for the full list).\n`;
  }
  return `${out}${tailText}\n`;
}

/** The same content as plain text, for a commit message body. */
export function formatCommitBody(report: UpdateReport): string {
  const lines = rows(report).map(({ output, c }) => {
    const [o, n] = oldNew(c);
    return `- ${output}: ${c.name} ${c.kind === 'added' ? n : c.kind === 'removed' ? o : `${o} -> ${n}`} (${c.kind})`;
  });
  return lines.slice(0, 200).join('\n') + (lines.length > 200 ? `\n- ... and ${lines.length - 200} more` : '');
}

/** The JSON form (`--json`, the action's `changed-pins`). */
export function toJson(report: UpdateReport): unknown {
  return {
    outDir: report.outDir,
    summary: countChanges(report.outputs),
    pins: report.pins,
    changedFiles: report.changedFiles,
    orphaned: report.orphaned,
    outputs: report.outputs.map((o) => ({
      output: o.output,
      ecosystem: o.ecosystem,
      lockfile: o.lockfile,
      isNew: o.isNew,
      unchanged: o.unchanged,
      changes: o.changes,
    })),
    warnings: report.warnings,
  };
}
