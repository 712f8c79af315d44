// Helper process for fetch-chaos.test.ts: prefetch every URL given in a JSON file into a cache, printing one
// line per finished download, so that the test can kill it mid-run and start it again.
// usage: node fetch-child.ts CACHE_DIR JOBS_JSON

import { readFileSync } from 'node:fs';
import { createPrefetcher } from '../src/index.ts';

const [cacheDir, jobsFile] = process.argv.slice(2) as [string, string];
const jobs = JSON.parse(readFileSync(jobsFile, 'utf8')) as { url: string; sha256: string; pkg: string }[];
const pf = createPrefetcher({ cacheDir, concurrency: 8, backoffMs: 5, maxDelayMs: 200, timeoutMs: 5000 });
let failed = 0;
await Promise.all(
  jobs.map(async (j) => {
    try {
      const f = await pf.file({ urls: [j.url], pkg: j.pkg, expect: { algo: 'sha256', hex: j.sha256 } });
      process.stdout.write(`done ${j.pkg} ${f.size}\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`fail ${(e as Error).message.replace(/\n/g, ' ')}\n`);
    }
  }),
);
await pf.close();
process.exit(failed ? 1 : 0);
