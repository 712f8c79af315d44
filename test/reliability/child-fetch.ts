// One prefetcher.file() in its own process (so NODE_EXTRA_CA_CERTS can name a test CA at start-up):
// node child-fetch.ts '{"url": ..., "cacheDir": ...}'; prints {"ok": true, "sha256": ...} or {"ok": false, "error": ...}.

import { createPrefetcher } from '../../core/src/index.ts';

const o = JSON.parse(process.argv[2]!) as { url: string; cacheDir: string };
const p = createPrefetcher({ cacheDir: o.cacheDir, retries: 1, timeoutMs: 5_000 });
try {
  const f = await p.file({ urls: [o.url], pkg: 'tls-test 1.0.0' });
  process.stdout.write(`${JSON.stringify({ ok: true, sha256: f.digests.sha256 })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ok: false, name: (e as Error).name, error: (e as Error).message })}\n`);
} finally {
  await p.close();
}
