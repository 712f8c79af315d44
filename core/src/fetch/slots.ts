// At most N tasks at once, the others started in the order they came: the download queue. What p-queue gave the
// prefetcher here, without what it does per task besides (an async-context resource, a CustomEvent dispatched for
// each of add/active/next/completed, a priority queue, rate-limit bookkeeping), which cost the main thread more
// than the rest of the queueing. p-queue still runs the few heavy jobs (git, unpacking).

export class Slots {
  private running = 0;
  /** tasks waiting for a slot: resolving one hands it the slot of a task that finished */
  private readonly waiting: (() => void)[] = [];
  private head = 0;
  private idle: (() => void)[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Run `task` when a slot is free; settles as the task does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((ok) => this.waiting.push(ok));
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.head++;
      if (this.head === this.waiting.length) {
        this.waiting.length = 0;
        this.head = 0;
      }
      next();
      return;
    }
    this.running--;
    if (this.running === 0 && this.idle.length > 0) {
      const idle = this.idle;
      this.idle = [];
      for (const ok of idle) ok();
    }
  }

  /** Resolves when nothing runs or waits. */
  onIdle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((ok) => this.idle.push(ok));
  }
}
