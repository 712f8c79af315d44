// nuget.config: which files are read, in what order, <clear/>, <remove>, disabled sources, and credentials.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LockfileError } from '@lock2nix/core';
import { decodeXmlName, findConfigFiles, mappedSources, readNugetConfig } from '../src/nuget-config.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lock2nix-nuget-config-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('files: the user config first, then from the root down to the project', async () => {
  const home = join(root, 'home');
  await mkdir(join(home, '.nuget', 'NuGet'), { recursive: true });
  await writeFile(join(home, '.nuget', 'NuGet', 'NuGet.Config'), '<configuration />');
  await mkdir(join(root, 'repo', 'src', 'app', 'obj'), { recursive: true });
  await writeFile(join(root, 'repo', 'NuGet.Config'), '<configuration />');
  await writeFile(join(root, 'repo', 'src', 'app', 'nuget.config'), '<configuration />');
  const files = await findConfigFiles(join(root, 'repo', 'src', 'app', 'obj'), { HOME: home });
  expect(files).toEqual([join(home, '.nuget', 'NuGet', 'NuGet.Config'), join(root, 'repo', 'NuGet.Config'), join(root, 'repo', 'src', 'app', 'nuget.config')]);
});

test('sources: a closer <clear/> wins, <remove> and disabled sources drop, credentials decode', async () => {
  const far = join(root, 'far.config');
  const near = join(root, 'near.config');
  await writeFile(far, `<?xml version="1.0"?>
<configuration>
  <packageSources><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /><add key="old" value="https://old.example/v3/index.json" /></packageSources>
</configuration>`);
  await writeFile(near, `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="My Feed" value="https://%FEED_HOST%/v3/index.json" protocolVersion="3" />
    <add key="v2" value="https://v2.example/api/v2" />
    <add key="gone" value="https://gone.example/v3/index.json" />
    <remove key="gone" />
    <add key="off" value="https://off.example/v3/index.json" />
  </packageSources>
  <disabledPackageSources><add key="off" value="true" /></disabledPackageSources>
  <packageSourceCredentials>
    <My_x0020_Feed>
      <add key="Username" value="me" />
      <add key="ClearTextPassword" value="%FEED_TOKEN%" />
    </My_x0020_Feed>
    <v2>
      <add key="Username" value="me" />
      <add key="Password" value="AQAAANCMnd8BFdERjHoAwE" />
    </v2>
  </packageSourceCredentials>
</configuration>`);
  const c = await readNugetConfig([far, near], { FEED_HOST: 'feed.example', FEED_TOKEN: 'tok' });
  expect(c.sources).toEqual([
    { key: 'My Feed', url: 'https://feed.example/v3/index.json', protocolVersion: '3' },
    { key: 'v2', url: 'https://v2.example/api/v2' },
  ]);
  expect(c.credentials.get('My Feed')).toEqual({ username: 'me', password: 'tok' });
  expect(c.credentials.has('v2')).toBe(false);
  expect(c.warnings.join('\n')).toContain('encrypted "Password"');
  const env = await readNugetConfig([far, near], { FEED_HOST: 'feed.example', NuGetPackageSourceCredentials_v2: 'Username=ci;Password=p=w' });
  expect(env.credentials.get('v2')).toEqual({ username: 'ci', password: 'p=w' });
  expect(decodeXmlName('a_x0020_b_x002E_c')).toBe('a b.c');
});

test('a broken nuget.config is a LockfileError naming it', async () => {
  const bad = join(root, 'bad.config');
  await writeFile(bad, '<configuration><packageSources><add key="x"</configuration>');
  await expect(readNugetConfig([bad], {})).rejects.toBeInstanceOf(LockfileError);
});

test('packageSourceMapping: the most specific pattern decides', async () => {
  const f = join(root, 'mapping.config');
  await writeFile(f, `<configuration>
  <packageSourceMapping>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
    <packageSource key="contoso"><package pattern="Contoso.*" /><package pattern="Special.Lib" /></packageSource>
    <packageSource key="contoso-ui"><package pattern="Contoso.UI.*" /></packageSource>
  </packageSourceMapping>
</configuration>`);
  const { mapping } = await readNugetConfig([f], {});
  expect(mappedSources(mapping, 'Newtonsoft.Json')).toEqual(new Set(['nuget.org']));
  expect(mappedSources(mapping, 'contoso.core')).toEqual(new Set(['contoso']));
  expect(mappedSources(mapping, 'Contoso.UI.Buttons')).toEqual(new Set(['contoso-ui']));
  expect(mappedSources(mapping, 'Special.Lib')).toEqual(new Set(['contoso']));
  expect(mappedSources(new Map(), 'Anything')).toBeUndefined();
});
