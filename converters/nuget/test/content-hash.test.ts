// NuGet's content hash, computed by the converter, against the fixture's independent answer (the SHA-512 of
// the same archive written without the signature), against Info-ZIP's `zip -d`, and on broken input.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lock2nixError } from '@lock2nix/core';
import { buildNupkg, type FixturePackage } from '../../../fixtures/src/registries/nuget.ts';
import { testWithTools } from '@lock2nix/fixtures';
import { createHash } from 'node:crypto';
import { nupkgContentHash } from '../src/content-hash.ts';
import { readNuspecIdentity } from '../src/nuspec.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock2nix-nuget-zip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function save(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

const base: FixturePackage = { id: 'Fixture.Zip', version: '1.2.3', dependencies: { 'Other.Pkg': '[2.0.0, )' } };

describe('signed packages', () => {
  const variants: [string, Partial<FixturePackage>][] = [
    ['signature last', {}],
    ['signature first', { signaturePosition: 'first' }],
    ['signature in the middle', { signaturePosition: 'middle' }],
    ['data descriptors, signature last', { dataDescriptors: true }],
    ['data descriptors, signature first', { dataDescriptors: true, signaturePosition: 'first' }],
  ];
  test.each(variants)('%s: content hash = SHA-512 of the archive without the signature, not the file hash', async (name, over) => {
    const b = buildNupkg({ ...base, ...over });
    const path = await save(`${name.replace(/\W+/g, '-')}.nupkg`, b.bytes);
    const h = await nupkgContentHash(path);
    expect(h.signed).toBe(true);
    expect(h.base64).toBe(b.contentHash);
    expect(h.hex).toBe(Buffer.from(b.contentHash, 'base64').toString('hex'));
    expect(h.base64).not.toBe(b.fileSha512);
  });

  testWithTools(['zip'], 'agrees with Info-ZIP: `zip -d` of the signature gives a file whose SHA-512 is the content hash', async () => {
    const b = buildNupkg(base);
    const path = await save('infozip.nupkg', b.bytes);
    execFileSync('zip', ['-Tq', path]);
    const stripped = join(dir, 'infozip-stripped.nupkg');
    await copyFile(path, stripped);
    execFileSync('zip', ['-qd', stripped, '.signature.p7s']);
    const { readFile } = await import('node:fs/promises');
    expect(createHash('sha512').update(await readFile(stripped)).digest('base64')).toBe((await nupkgContentHash(path)).base64);
    expect(spawnSync('zip', ['-Tq', stripped]).status).toBe(0);
  });
});

test('an unsigned package: content hash = file hash', async () => {
  const b = buildNupkg({ ...base, signed: false });
  const h = await nupkgContentHash(await save('unsigned.nupkg', b.bytes));
  expect(h.signed).toBe(false);
  expect(h.base64).toBe(b.fileSha512);
});

test('not a zip, or a truncated one: a clear error', async () => {
  await expect(nupkgContentHash(await save('html.nupkg', Buffer.from('<html>not found</html>')))).rejects.toThrow(/end-of-central-directory|too short/);
  const b = buildNupkg(base);
  await expect(nupkgContentHash(await save('cut.nupkg', b.bytes.subarray(0, b.bytes.length - 40)))).rejects.toBeInstanceOf(Lock2nixError);
  const corrupt = Buffer.from(b.bytes);
  corrupt.writeUInt32LE(0x11111111, b.bytes.length - 22 + 16); // central directory offset
  await expect(nupkgContentHash(await save('corrupt.nupkg', corrupt))).rejects.toBeInstanceOf(Lock2nixError);
});

test('the nuspec identity of a package, with or without data descriptors', async () => {
  for (const dataDescriptors of [false, true]) {
    const b = buildNupkg({ id: 'Fixture.Ident', version: '2.0.0-Beta.1', dataDescriptors, signaturePosition: 'first' });
    expect(await readNuspecIdentity(await save(`ident-${dataDescriptors}.nupkg`, b.bytes))).toEqual({ id: 'Fixture.Ident', version: '2.0.0-Beta.1' });
  }
  await expect(readNuspecIdentity(await save('html2.nupkg', Buffer.from('<html/>')))).rejects.toBeInstanceOf(Lock2nixError);
});
