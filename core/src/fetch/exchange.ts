// One HTTP exchange through undici's dispatcher API (a DispatchHandler): the response head as a promise, then the
// body handed chunk by chunk, synchronously, to a sink the caller chooses once it has seen the head (for a
// download: the hashes and the file). No stream, async iterator or promise per chunk in between, which is most of
// what request() + body costs on the main thread for small files. Chunks that arrive before the sink is chosen
// are held (the connection paused when they grow large). An exception thrown by the sink aborts the exchange
// with that error, as undici does for a throwing handler.

import type { Dispatcher } from 'undici';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface Head {
  status: number;
  headers: ResponseHeaders;
}

/** held chunks past this pause the connection until the sink is chosen */
const HOLD_LIMIT = 1 << 20;
/** like undici's body.dump(): more of an unwanted body than this closes the connection instead of reading on */
const DISCARD_LIMIT = 128 * 1024;

export class Exchange implements Dispatcher.DispatchHandler {
  /** the final response's status and headers (1xx skipped); rejects when the exchange fails before them */
  readonly head: Promise<Head>;
  private resolveHead!: (h: Head) => void;
  private rejectHead!: (e: Error) => void;
  private headSettled = false;
  private controller: Dispatcher.DispatchController | undefined;
  private sink: ((chunk: Buffer) => void) | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private settle: { ok: () => void; ko: (e: Error) => void } | undefined;
  private abortReason: Error | undefined;
  private unlisten: (() => void) | undefined;

  constructor(signal?: AbortSignal) {
    this.head = new Promise<Head>((ok, ko) => {
      this.resolveHead = ok;
      this.rejectHead = ko;
    });
    if (signal) {
      const onAbort = () => this.abort((signal.reason as Error | undefined) ?? new Error('aborted'));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  private abort(reason: Error): void {
    if (this.controller) this.controller.abort(reason);
    else this.abortReason = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: ResponseHeaders): void {
    if (status < 200 || this.headSettled) return;
    this.headSettled = true;
    this.resolveHead({ status, headers });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.sink) return this.sink(chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes > HOLD_LIMIT) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.done(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.failure ??= error;
    if (!this.headSettled) {
      this.headSettled = true;
      this.rejectHead(error);
    }
    this.done(error);
  }

  private done(error: Error | undefined): void {
    this.unlisten?.();
    this.unlisten = undefined;
    const s = this.settle;
    if (!s) return;
    this.settle = undefined;
    if (error) s.ko(error);
    else s.ok();
  }

  /**
   * Hand the body to `sink`, chunk by chunk (those held so far first); resolves when the body is complete,
   * rejects with the exchange's error (a reset, a timeout, an abort, or what `sink` threw).
   */
  pipe(sink: (chunk: Buffer) => void): Promise<void> {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    try {
      for (const c of held) sink(c);
    } catch (e) {
      this.abort(e as Error);
      return Promise.reject(e as Error);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve();
    this.sink = sink;
    const p = new Promise<void>((ok, ko) => {
      this.settle = { ok, ko };
    });
    if (this.controller?.paused) this.controller.resume();
    return p;
  }

  /** Read and drop the body (a redirect's, an error's); past a limit the connection is closed instead. Never rejects. */
  discard(): Promise<void> {
    let n = 0;
    return this.pipe((c) => {
      if ((n += c.length) > DISCARD_LIMIT) throw new Error('unwanted response body too long');
    }).catch(() => undefined);
  }

  /** The whole body. */
  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await this.pipe((c) => chunks.push(c));
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}
