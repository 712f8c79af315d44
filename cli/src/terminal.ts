// How events reach a person: a progress bar on a terminal, plain lines otherwise, nothing with --quiet.
// Errors are not events: main.ts prints them whatever the mode.

import { formatBytes, type Reporter, type ReportEvent } from '@lock2nix/core';
import type { Io } from './main.ts';

export interface TerminalReporter extends Reporter {
  /** clear the progress line, if any */
  done(): void;
}

export interface ReporterOptions {
  io: Io;
  quiet: boolean;
  verbose: boolean;
  /** terminal width for the bar (default: $COLUMNS or 80) */
  columns?: number;
  /** least time between two redraws of the bar, in ms (default 100) */
  redrawMs?: number;
  /** clock, for tests */
  now?: () => number;
}

export function makeReporter(opts: ReporterOptions): TerminalReporter {
  const { io, quiet, verbose } = opts;
  const color = io.isTTY && !io.env.NO_COLOR;
  const bar = io.isTTY && !quiet && io.env.TERM !== 'dumb';
  const columns = Math.max(40, opts.columns ?? (Number(io.env.COLUMNS) || 80));
  const redrawMs = opts.redrawMs ?? 100;
  const now = opts.now ?? Date.now;
  const warnPrefix = color ? '\x1b[33mwarning:\x1b[0m' : 'warning:';

  // state shown on the bar
  let done = 0;
  let total = 0;
  let label = '';
  let active = 0;
  let bytes = 0;
  let retries = 0;
  let failed = 0;
  let barShown = false;
  let lastDraw = 0;
  let lastPlain = 0;

  const clear = () => {
    if (barShown) io.err('\r\x1b[2K');
    barShown = false;
  };
  const draw = (force = false) => {
    if (!bar || total === 0) return;
    const t = now();
    if (!force && t - lastDraw < redrawMs) return;
    lastDraw = t;
    const width = Math.min(30, Math.max(10, columns - 60));
    const filled = Math.round((done / total) * width);
    const extra = [active ? `${active} downloading` : '', bytes ? formatBytes(bytes) : '', retries ? `${retries} retried` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(', ');
    let s = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${extra ? ` (${extra})` : ''} ${label}`;
    if (s.length > columns - 1) s = `${s.slice(0, columns - 2)}…`;
    io.err(`\r\x1b[2K${s}`);
    barShown = true;
  };
  /** a whole line above the bar (which is redrawn after it) */
  const line = (s: string) => {
    clear();
    io.err(`${s}\n`);
    draw(true);
  };

  return {
    report(e: ReportEvent) {
      switch (e.type) {
        case 'warn':
          if (!quiet) line(`${warnPrefix} ${e.message}`);
          break;
        case 'info':
          if (!quiet) line(e.message);
          break;
        case 'debug':
          if (verbose) line(e.message);
          break;
        case 'retry':
          retries++;
          if (!quiet) line(`retrying ${e.url} (${e.pkg}, attempt ${e.attempt}) in ${(e.delayMs / 1000).toFixed(1)} s: ${e.cause}`);
          break;
        case 'fetch-start':
          active++;
          draw();
          break;
        case 'fetch-failed':
          active = Math.max(0, active - 1);
          failed++;
          if (verbose) line(`failed  ${e.url} (${e.pkg}): ${e.cause}`);
          else draw();
          break;
        case 'fetch-done':
          if (!e.cached) {
            active = Math.max(0, active - 1);
            bytes += e.bytes;
          }
          if (verbose) line(`${e.cached ? 'cached ' : 'fetched'} ${e.url} (${formatBytes(e.bytes)})`);
          else draw();
          break;
        case 'progress':
          if (quiet) break;
          done = e.done;
          total = e.total;
          label = e.label ?? '';
          if (e.total === 0) break;
          if (bar) {
            draw(e.done === e.total);
          } else if (e.done === e.total || e.done - lastPlain >= Math.max(1, Math.floor(e.total / 10))) {
            lastPlain = e.done;
            io.err(`pinned ${e.done}/${e.total}\n`);
          }
          break;
        default:
          break;
      }
    },
    done: clear,
  };
}
