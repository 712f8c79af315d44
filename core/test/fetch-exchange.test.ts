// The prefetcher's HTTP exchange (core/src/fetch/exchange.ts) against the loopback fixture server with a real
// undici Agent: the body reaches the sink whole and in order however late the sink is chosen (held chunks, a
// paused connection), a throwing sink or an abort ends the exchange with that error, and the connection pool
// keeps working afterwards.

import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Agent as UndiciAgent } from 'undici';
import { startServer, type FixtureServer } from '@lock2nix/fixtures';
import { Exchange } from '../src/fetch/exchange.ts';

const Agent = createRequire(import.meta.url)('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: FixtureServer;
let agent: UndiciAgent;
const big = randomBytes(6 * 1024 * 1024); // past the hold limit (1 MiB): the connection is paused until the sink is set
const small = randomBytes(70_000);

beforeAll(async () => {
  server = await startServer();
  server.file('/big.bin', big);
  server.file('/small.bin', small);
  agent = new Agent({ connections: 2 });
});
afterAll(async () => {
  await agent.close();
  await server.close();
});

function exchange(path: string, signal?: AbortSignal): Exchange {
  const ex = new Exchange(signal);
  agent.dispatch({ origin: server.url, path, method: 'GET', headers: {} }, ex);
  return ex;
}

describe('exchange', () => {
  test('a sink chosen late still gets the whole body in order (held chunks, paused connection)', async () => {
    const ex = exchange('/big.bin');
    const head = await ex.head;
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(big.length));
    await delay(300); // the body arrives meanwhile, and is held
    const h = createHash('sha256');
    let n = 0;
    await ex.pipe((c) => {
      h.update(c);
      n += c.length;
    });
    expect(n).toBe(big.length);
    expect(h.digest('hex')).toBe(sha256(big));
  });

  test('bytes(): the whole body', async () => {
    const ex = exchange('/small.bin');
    await ex.head;
    expect(sha256(await ex.bytes())).toBe(sha256(small));
  });

  test('a sink that throws ends the exchange with its error; the pool keeps serving', async () => {
    const ex = exchange('/big.bin');
    await ex.head;
    const boom = Object.assign(new Error('disk full'), { code: 'ENOSPC', syscall: 'write' });
    await expect(ex.pipe(() => {
      throw boom;
    })).rejects.toBe(boom);
    const again = exchange('/small.bin');
    expect((await again.head).status).toBe(200);
    expect(sha256(await again.bytes())).toBe(sha256(small));
  });

  test('an abort mid-body rejects with the reason', async () => {
    const ac = new AbortController();
    const ex = exchange('/big.bin', ac.signal);
    await ex.head;
    const reason = new Error('stop');
    let n = 0;
    const done = ex.pipe((c) => {
      n += c.length;
      if (n > 100_000) ac.abort(reason);
    });
    await expect(done).rejects.toBe(reason);
  });

  test('an abort before the response rejects the head', async () => {
    const ac = new AbortController();
    const reason = new Error('early');
    ac.abort(reason);
    await expect(exchange('/small.bin', ac.signal).head).rejects.toBe(reason);
  });

  test('a 404 is a head like any other; discard() reads its body and never rejects', async () => {
    const ex = exchange('/missing');
    expect((await ex.head).status).toBe(404);
    await expect(ex.discard()).resolves.toBeUndefined();
    const big404 = exchange('/big.bin');
    await big404.head;
    await expect(big404.discard()).resolves.toBeUndefined(); // past the discard limit: the connection is closed instead
    expect((await exchange('/small.bin').head).status).toBe(200);
  });

  test('a connection refused rejects the head with undici\'s error', async () => {
    const ex = new Exchange();
    agent.dispatch({ origin: 'http://127.0.0.1:9', path: '/', method: 'GET', headers: {} }, ex);
    await expect(ex.head).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
