// Pushing over smart HTTP, as on github.com: the loopback server runs git http-backend and wants the token.
// actions/checkout leaves its own credentials in the repository's config; the action's token replaces them.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROJECT, TOKEN, git, sandbox, type Sandbox } from './support.ts';

let s: Sandbox;
/** what a runner shows: the ::add-mask:: command itself is consumed, not displayed */
const shown = (log: string) => log.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
beforeAll(async () => {
  s = await sandbox({ http: true });
});
afterAll(async () => s?.close());

test('the update branch is pushed over HTTP with the action\'s token, which never shows in the log', async () => {
  const stale = Buffer.from('x-access-token:an-expired-checkout-token').toString('base64');
  await git(s.work, 'config', `http.${s.gh.url}/.extraheader`, `AUTHORIZATION: basic ${stale}`);
  await copyFile(join(PROJECT, 'Cargo.lock.bumped'), join(s.work, 'Cargo.lock'));
  await git(s.work, 'commit', '-q', '-am', 'bump libc');
  await git(s.work, 'push', '-q', s.remote, 'main');
  const r = await s.action({ verify: 'lockfile' });
  expect(r.code, r.log).toBe(0);
  expect(r.outputs['pull-request-operation']).toBe('created');
  expect(await s.remoteRef('lock2nix/update')).toBe(r.outputs['pull-request-head-sha']);
  expect(s.gh.calls).toContain('git POST git-receive-pack 200');
  expect(s.gh.calls).not.toContain('git 401');
  expect(shown(r.log)).not.toContain(TOKEN);
  expect(shown(r.log)).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
  expect(s.gh.violations).toEqual([]);
});

test('a wrong token fails the run with a message that does not contain it', async () => {
  const r = await s.action({ verify: 'lockfile', token: 'ghs_wrongTokenForThisRepository000000001', branch: 'lock2nix/other' });
  expect(r.code).not.toBe(0);
  expect(r.log).toMatch(/^::error::/m);
  expect(shown(r.log)).not.toContain('ghs_wrongTokenForThisRepository000000001');
  expect(await s.remoteRef('lock2nix/other')).toBeUndefined();
});
