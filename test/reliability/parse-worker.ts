// A worker thread that runs converter parsers for the fuzzing tests, so that a parser that hangs (or spins
// until V8's string limit) can be stopped with worker.terminate() and reported instead of stalling the suite.

import { parentPort } from 'node:worker_threads';
import { LockfileError } from '../../core/src/index.ts';
import { loadConverters } from '../../cli/src/registry.ts';

export interface ParseRequest { id: number; eco: string; file: string; text: string }
export interface ParseReply {
  id: number;
  ok: boolean;
  /** the error's class name, and for a LockfileError its file and line */
  name?: string;
  lockfileError?: boolean;
  file?: string;
  line?: number;
  reason?: string;
  message?: string;
  stack?: string;
}

const loaded = loadConverters();

parentPort!.on('message', async (req: ParseRequest) => {
  let reply: ParseReply;
  try {
    const conv = (await loaded).find((c) => c.ecosystem === req.eco);
    if (!conv) throw new Error(`no converter for ${req.eco}`);
    conv.parse(req.file, req.text);
    reply = { id: req.id, ok: true };
  } catch (e) {
    const err = e as Error;
    reply = {
      id: req.id, ok: false, name: err?.name, message: String(err?.message ?? e).slice(0, 500), stack: err?.stack?.split('\n').slice(1, 5).join('\n'),
      ...(e instanceof LockfileError ? { lockfileError: true, file: e.file, reason: e.reason, ...(e.line !== undefined ? { line: e.line } : {}) } : {}),
    };
  }
  parentPort!.postMessage(reply);
});
