// Library code never prints. It reports events; the CLI decides how to show them (bar, lines, quiet).

export type ReportEvent =
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string }
  | { type: 'debug'; message: string }
  | { type: 'progress'; done: number; total: number; label?: string }
  | { type: 'fetch-start'; url: string; pkg: string }
  | { type: 'fetch-done'; url: string; pkg: string; bytes: number; cached: boolean }
  /** a download that started (`fetch-start`) and failed for good: every start ends in `fetch-done` or this */
  | { type: 'fetch-failed'; url: string; pkg: string; cause: string }
  | { type: 'retry'; url: string; pkg: string; attempt: number; delayMs: number; cause: string };

export interface Reporter {
  report(event: ReportEvent): void;
}

export const silentReporter: Reporter = { report() {} };

/** Collects events; handy for tests and for library callers who want them afterwards. */
export class CollectingReporter implements Reporter {
  readonly events: ReportEvent[] = [];
  report(event: ReportEvent): void {
    this.events.push(event);
  }
  messages(type: 'info' | 'warn' | 'debug'): string[] {
    return this.events.flatMap((e) => (e.type === type ? [e.message] : []));
  }
}
