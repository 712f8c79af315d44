// examples/hello-rust/lock2nix is committed so that readers see what lock2nix writes; README command (1)
// (scripts/example.sh) writes it again. It must be exactly what the current lock2nix writes, or the example
// shows an older format and command (1) leaves the checkout modified.

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/hello-rust');
let scratch = '';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('the committed example output is what lock2nix writes for examples/hello-rust', async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lock2nix-example-'));
  const project = join(scratch, 'hello-rust');
  await cp(EXAMPLE, project, { recursive: true, filter: (p) => !p.startsWith(join(EXAMPLE, 'lock2nix')) });
  await run(process.execPath, [join(ROOT, 'cli/bin/lock2nix.js'), 'cargo', '--offline', '-q', '--out', join(project, 'lock2nix'), '--cache-dir', join(scratch, 'cache')], { cwd: project, env: { ...process.env, CARGO_HOME: join(scratch, 'cargo-home') } });
  const committed = join(EXAMPLE, 'lock2nix');
  const written = join(project, 'lock2nix');
  expect(await files(written), 'run `bash scripts/example.sh` and commit examples/hello-rust/lock2nix').toEqual(await files(committed));
  for (const f of await files(written)) {
    expect(await readFile(join(written, f), 'utf8'), `${f}: run \`bash scripts/example.sh\` and commit examples/hello-rust/lock2nix`).toBe(await readFile(join(committed, f), 'utf8'));
  }
});
