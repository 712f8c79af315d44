// Every TypeScript example in the README's "Library" section, run as a user would run it: as its own module
// importing 'lock2nix', in a project folder holding a Cargo.lock and a yarn.lock. Downloads go to the loopback
// server: the yarn.lock resolves there, and the one public URL in the examples is pointed at it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type FixtureServer } from '@lock2nix/fixtures';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PUBLIC_NPM = 'https://registry.npmjs.org';

async function examples(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- library:start -->([\s\S]*?)<!-- library:end -->/.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let server: FixtureServer;
let project: string;
let scratch: string;
const tarball = Buffer.from('left-pad 1.3.0, standing in for the tarball\n');

beforeAll(async () => {
  server = await startServer();
  server.file('/left-pad/-/left-pad-1.3.0.tgz', tarball);
  project = await mkdtemp(join(tmpdir(), 'lock2nix-readme-'));
  await copyFile(join(ROOT, 'fixtures/projects/update/project/Cargo.lock'), join(project, 'Cargo.lock'));
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  await writeFile(join(project, 'yarn.lock'), `# yarn lockfile v1\n\n\nleft-pad@^1.3.0:\n  version "1.3.0"\n  resolved "${server.url}/left-pad/-/left-pad-1.3.0.tgz"\n  integrity ${integrity}\n`);
  // inside the cli package, so that `import ... from 'lock2nix'` resolves to this package (self-reference)
  scratch = join(ROOT, 'cli/.cache/readme-examples');
  await mkdir(scratch, { recursive: true });
});
afterAll(async () => {
  await server?.close();
  await rm(project, { recursive: true, force: true });
});

describe('README library examples', async () => {
  const blocks = await examples();
  test('there is an example for each documented use', () => {
    const all = blocks.join('\n');
    for (const name of ['supportedEcosystems', 'readLock', 'convert', 'prefetch', 'onProgress', 'signal', 'concurrency', 'cacheDir', 'LockfileError', 'text', 'cacheInfo', 'pruneCache']) expect(all).toContain(name);
  });

  const expectations: RegExp[] = [
    /^cargo: Cargo\.lock -> lib\/cargo\.nix$/m,
    /^libc 0\.2\.182 file sha256$/m,
    /^2 entries, 0 left unpinned$/m,
    /^1\/1 left-pad 1\.3\.0$[\s\S]*^left-pad sha512-\S+ \(download\)$/m,
    new RegExp(`^sha256-${createHash('sha256').update(tarball).digest('base64').replace(/[+/]/g, '\\$&')} ${tarball.length}$`, 'm'),
    /^bad lockfile .*Cargo\.lock, line \d+: /m,
    /^1 downloads, 0 trees, \d+ bytes\n0 removed$/m,
  ];

  blocks.forEach((code, i) => {
    test(`example ${i + 1}: ${code.split('\n').find((l) => l.includes('await') || l.includes('for ('))?.trim().slice(0, 70)}`, async () => {
      const file = join(scratch, `example-${i + 1}.ts`);
      await writeFile(file, code.replaceAll(PUBLIC_NPM, server.url));
      const { stdout, stderr } = await run(process.execPath, [file], { cwd: project, env: { ...process.env, HOME: project, CARGO_HOME: join(project, 'cargo-home'), XDG_CACHE_HOME: join(project, 'xdg'), NODE_NO_WARNINGS: '1' } });
      expect(stderr).toBe('');
      if (expectations[i]) expect(stdout).toMatch(expectations[i]!);
    });
  });

  test('the examples only talked to loopback', () => {
    expect(server.log).toContain('GET /left-pad/-/left-pad-1.3.0.tgz');
  });
});
