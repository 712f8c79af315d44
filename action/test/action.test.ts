// The action's entry point (dist/index.js, as the runner starts it) on a two-ecosystem project, against a
// real bare repository as origin and the loopback GitHub API checked against GitHub's OpenAPI description.
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROJECT, TOKEN, git, sandbox, type Sandbox } from './support.ts';

let s: Sandbox;
const BRANCH = 'lock2nix/update';
const inputs = { 'verify': 'lockfile', 'pr-labels': 'dependencies, nix', 'commit-message': 'lock2nix: update pinned Nix', 'pr-assignees': 'octocat', 'pr-reviewers': 'hubot\nmonalisa', 'pr-team-reviewers': 'nix-team' };

beforeAll(async () => {
  s = await sandbox();
  // main starts with pins that match its lockfiles (made by the CLI's update, committed by a person)
  const first = await s.action(inputs);
  expect(first.code, first.log).toBe(0);
  expect(first.outputs['pull-request-operation']).toBe('created');
  // the person merges that first PR by fast-forwarding main to it
  await git(s.work, 'fetch', '-q', 'origin', BRANCH);
  await git(s.work, 'merge', '-q', '--ff-only', 'FETCH_HEAD');
  await git(s.work, 'push', '-q', 'origin', 'main');
  s.gh.pulls[0]!.state = 'closed';
}, 120_000);
afterAll(async () => s?.close());

async function bumpOnMain(): Promise<void> {
  await copyFile(join(PROJECT, 'Cargo.lock.bumped'), join(s.work, 'Cargo.lock'));
  await git(s.work, 'commit', '-q', '-am', 'bump libc');
  await git(s.work, 'push', '-q', 'origin', 'main');
}

describe('the GitHub Action (pull-request mode)', () => {
  test('nothing changed: no branch, no pull request', async () => {
    const pulls = s.gh.pulls.length;
    const r = await s.action(inputs);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('none');
    expect(r.outputs['changed-files']).toBe('');
    expect(s.gh.pulls.length).toBe(pulls);
  });

  test('one bumped dependency: a branch with exactly the regenerated output and one PR listing that change', async () => {
    await bumpOnMain();
    const r = await s.action(inputs);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('created');
    const open = s.gh.pulls.filter((p) => p.state === 'open');
    expect(open).toHaveLength(1);
    const pr = open[0]!;
    expect(r.outputs['pull-request-number']).toBe(String(pr.number));
    expect(r.outputs['pull-request-url']).toBe(`https://github.invalid/octo/demo/pull/${pr.number}`);
    expect(r.outputs['changed-files']).toBe('lock2nix/cargo.json');
    const head = await s.remoteRef(BRANCH);
    expect(r.outputs['pull-request-head-sha']).toBe(head);
    expect(await git(s.work, 'rev-parse', `${head}^`)).toBe(await s.remoteRef('main'));
    expect(await git(s.work, 'diff', '--name-only', `${head}^`, head!)).toBe('lock2nix/cargo.json');
    const rows = pr.body!.split('\n').filter((l) => /^\| (cargo|yarn) \|/.test(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^\| cargo \| upgraded \| libc \| 0\.2\.182 \| 0\.2\.186 \|/);
    expect(pr.body).toContain('GITHUB_TOKEN');
    expect(pr.labels).toEqual(['dependencies', 'nix']);
    expect([pr.assignees, pr.reviewers, pr.teamReviewers]).toEqual([['octocat'], ['hubot', 'monalisa'], ['nix-team']]);
    expect(await git(s.work, 'log', '-1', '--format=%an <%ae>%n%B', head!)).toContain('- cargo: libc 0.2.182 -> 0.2.186 (upgraded)');
    expect(r.summary).toContain('| cargo | upgraded | libc | 0.2.182 | 0.2.186 |');
    expect(r.summary).toContain(`Pull request [#${pr.number}]`);
    expect(JSON.parse(r.outputs['changed-pins']!).summary).toEqual({ added: 0, removed: 0, upgraded: 1, downgraded: 0, changed: 0 });
  });

  test('a second run updates the same pull request instead of opening another', async () => {
    // a further change on main: the yarn lockfile loses a package
    const yarn = (await import('node:fs/promises')).readFile(join(s.work, 'yarn.lock'), 'utf8');
    const text = (await yarn).replace(/\n"@jridgewell\/sourcemap-codec[\s\S]*$/, '\n');
    await writeFile(join(s.work, 'yarn.lock'), text);
    await git(s.work, 'commit', '-q', '-am', 'drop a package');
    await git(s.work, 'push', '-q', 'origin', 'main');
    const before = s.gh.pulls.length;
    const r = await s.action(inputs);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('updated');
    expect(s.gh.pulls.length).toBe(before);
    const pr = s.gh.pulls.find((p) => p.state === 'open')!;
    expect(r.outputs['pull-request-number']).toBe(String(pr.number));
    expect(pr.body).toMatch(/\| yarn \| removed \| @jridgewell\/sourcemap-codec \| 1\.4\.15 \| — \|/);
    expect(r.outputs['changed-files']!.split('\n')).toEqual(['lock2nix/cargo.json', 'lock2nix/yarn.json']);
    const head = await s.remoteRef(BRANCH);
    expect(await git(s.work, 'rev-parse', `${head}^`)).toBe(await s.remoteRef('main'));
  });

  test('commits someone else pushed onto the update branch are not thrown away', async () => {
    const head = (await s.remoteRef(BRANCH))!;
    await git(s.work, 'fetch', '-q', 'origin', BRANCH);
    await git(s.work, 'checkout', '-q', '-b', 'fixup', 'FETCH_HEAD');
    await writeFile(join(s.work, 'NOTES.md'), 'a reviewer\'s note\n');
    await git(s.work, 'add', 'NOTES.md');
    await git(s.work, 'commit', '-q', '-m', 'note');
    await git(s.work, 'push', '-q', 'origin', `fixup:${BRANCH}`);
    const foreign = await s.remoteRef(BRANCH);
    await git(s.work, 'checkout', '-q', 'main');
    const r = await s.action(inputs);
    expect(r.code).not.toBe(0);
    expect(r.log).toContain(`${BRANCH} has commits that this action did not make`);
    expect(await s.remoteRef(BRANCH)).toBe(foreign);
    // put the branch back as the action left it
    await git(s.work, 'push', '-q', '-f', 'origin', `${head}:refs/heads/${BRANCH}`);
    await git(s.work, 'branch', '-q', '-D', 'fixup');
  });

  test('a pr-body template gets the change table in place of {{ changes }}', async () => {
    const r = await s.action({ ...inputs, 'pr-body': 'Pins for this week.\n\n{{ changes }}\nThanks!' });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('updated');
    const pr = s.gh.pulls.find((p) => p.state === 'open')!;
    expect(pr.body).toMatch(/^Pins for this week\.\n\n### lock2nix: 1 upgraded, 1 removed/);
    expect(pr.body).toMatch(/\nThanks!$/);
    expect(pr.body).not.toContain('GITHUB_TOKEN');
    // back to the default body for the next test
    expect((await s.action(inputs)).outputs['pull-request-operation']).toBe('updated');
  });

  test('running again with nothing new changes nothing', async () => {
    const head = await s.remoteRef(BRANCH);
    const updates = s.gh.pulls.find((p) => p.state === 'open')!.updates;
    const r = await s.action(inputs);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('none');
    expect(await s.remoteRef(BRANCH)).toBe(head);
    expect(s.gh.pulls.find((p) => p.state === 'open')!.updates).toBe(updates);
  });

  test('when main catches up by itself, the stale pull request is closed and its branch deleted', async () => {
    await git(s.work, 'fetch', '-q', 'origin', BRANCH);
    await git(s.work, 'checkout', '-q', 'FETCH_HEAD', '--', 'lock2nix');
    await git(s.work, 'commit', '-q', '-m', 'pins updated by hand');
    await git(s.work, 'push', '-q', 'origin', 'main');
    const r = await s.action(inputs);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('closed');
    expect(s.gh.pulls.filter((p) => p.state === 'open')).toHaveLength(0);
    expect(await s.remoteRef(BRANCH)).toBeUndefined();
  });

  test('every request and response conformed to the OpenAPI description; the token was never printed', async () => {
    expect(s.gh.violations).toEqual([]);
    expect(s.gh.calls.some((c) => c.endsWith(' 401'))).toBe(false);
    const r = await s.action({ ...inputs, mode: 'nonsense' });
    expect(r.code).not.toBe(0);
    expect(r.log).toContain('mode must be pull-request or sync');
    expect(r.log).not.toContain(TOKEN);
  });
});

describe('the GitHub Action (sync mode, on a pull request that bumped a lockfile)', () => {
  test('pushes the regenerated pins onto the pull request\'s own branch', async () => {
    const branch = 'renovate/libc-0.x';
    await git(s.work, 'checkout', '-q', '-b', branch, 'origin/main');
    await git(s.work, 'pull', '-q', '--ff-only', 'origin', 'main');
    const text = (await (await import('node:fs/promises')).readFile(join(s.work, 'Cargo.lock'), 'utf8'))
      .replace('version = "0.2.186"', 'version = "0.2.189"')
      .replace('68ab91017fe16c622486840e4c83c9a37afeff978bd239b5293d61ece587de66', '3eaf3ede3fee6db1a4c2ee091bf8a8b4dccdc6d17f656fb07896ee72867612f2');
    await writeFile(join(s.work, 'Cargo.lock'), text);
    await git(s.work, 'commit', '-q', '-am', 'Update Rust crate libc to v0.2.189');
    await git(s.work, 'push', '-q', 'origin', branch);
    const renovate = await s.remoteRef(branch);
    s.gh.pulls.push({ number: s.gh.pulls.length + 1, state: 'open', title: 'Update Rust crate libc to v0.2.189', body: 'renovate', head: branch, headSha: renovate!, base: 'main', draft: false, labels: [], assignees: [], reviewers: [], teamReviewers: [], updates: 0 });
    const number = s.gh.pulls.length;
    const event = join(s.dir, 'event.json');
    await writeFile(event, JSON.stringify({ pull_request: { number, html_url: `https://github.invalid/octo/demo/pull/${number}`, head: { ref: branch, repo: { full_name: 'octo/demo' } } } }));
    const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_HEAD_REF: branch, GITHUB_BASE_REF: 'main' };
    const r = await s.action({ ...inputs, mode: 'sync' }, env);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['pull-request-operation']).toBe('updated');
    expect(r.outputs['pull-request-number']).toBe(String(number));
    const head = await s.remoteRef(branch);
    expect(r.outputs['pull-request-head-sha']).toBe(head);
    expect(await git(s.work, 'rev-parse', `${head}^`)).toBe(renovate);
    expect(await git(s.work, 'diff', '--name-only', renovate!, head!)).toBe('lock2nix/cargo.json');
    expect(await git(s.work, 'show', `${head}:lock2nix/cargo.json`)).toContain('"0.2.189"');
    expect(s.gh.pulls.length).toBe(number);
    // the checkout is still where it was; a second run finds nothing to do
    await git(s.work, 'pull', '-q', '--ff-only', 'origin', branch);
    const again = await s.action({ ...inputs, mode: 'sync' }, env);
    expect(again.outputs['pull-request-operation']).toBe('none');
    expect(await s.remoteRef(branch)).toBe(head);
    expect(s.gh.violations).toEqual([]);
  });
});
