// How events reach a person: a progress bar on a terminal, plain lines otherwise, nothing with --quiet.

import type { Reporter, ReportEvent } from '@lock2nix/core';
import type { Io } from './main.ts';

export interface TerminalReporter extends Reporter {
  /** clear the progress line, if any */
  done(): void;
}

export function makeReporter(opts: { io: Io; quiet: boolean; verbose: boolean }): TerminalReporter {
  const { io, quiet, verbose } = opts;
  const color = io.isTTY && !io.env.NO_COLOR;
  const bar = io.isTTY && !quiet;
  let barShown = false;
  let lastPlain = 0;
  const clear = () => {
    if (barShown) io.err('\r\x1b[2K');
    barShown = false;
  };
  const line = (s: string) => {
    clear();
    io.err(`${s}\n`);
  };
  const warnPrefix = color ? '\x1b[33mwarning:\x1b[0m' : 'warning:';
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
          if (!quiet) line(`retrying ${e.url} (${e.pkg}) in ${Math.round(e.delayMs)} ms: ${e.cause}`);
          break;
        case 'fetch-done':
          if (verbose) line(`${e.cached ? 'cached ' : 'fetched'} ${e.url} (${e.bytes} bytes)`);
          break;
        case 'progress':
          if (quiet || e.total === 0) break;
          if (bar) {
            const width = 30;
            const filled = Math.round((e.done / e.total) * width);
            io.err(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total} ${e.label ?? ''}`.slice(0, 120));
            barShown = true;
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
