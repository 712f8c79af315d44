// Typed errors. Library code throws these; only the CLI turns them into messages and exit codes.

export class Lock2nixError extends Error {
  override name = 'Lock2nixError';
}

/** Bad input: names the file and, where known, the 1-based line. */
export class LockfileError extends Lock2nixError {
  override name = 'LockfileError';
  readonly file: string;
  readonly line: number | undefined;
  readonly reason: string;
  constructor(file: string, line: number | undefined, reason: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** A download whose bytes do not match what the lockfile promises. */
export class HashMismatchError extends Lock2nixError {
  override name = 'HashMismatchError';
  readonly pkg: string;
  readonly url: string;
  readonly expected: string;
  readonly actual: string;
  constructor(pkg: string, url: string, expected: string, actual: string, what = 'hash') {
    super(`${pkg}: ${what} mismatch for ${url}\n  expected: ${expected}\n  actual:   ${actual}`);
    this.pkg = pkg;
    this.url = url;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A download that failed for good (after retries), naming package, URL and cause. */
export class FetchError extends Lock2nixError {
  override name = 'FetchError';
  readonly url: string;
  readonly status: number | undefined;
  readonly pkg: string | undefined;
  constructor(url: string, cause: string, opts: { status?: number; pkg?: string } = {}) {
    super(`${opts.pkg ? `${opts.pkg}: ` : ''}cannot fetch ${url}: ${cause}`);
    this.url = url;
    this.status = opts.status;
    this.pkg = opts.pkg;
  }
}

/** Something the user must change in how they call us (bad flags, unsupported feature, refused protocol). */
export class UsageError extends Lock2nixError {
  override name = 'UsageError';
}

/** `--check` found the committed output stale. */
export class StaleOutputError extends Lock2nixError {
  override name = 'StaleOutputError';
}

/** Given a 0-based character offset into text, the 1-based line number. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
