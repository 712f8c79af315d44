// The loopback GitHub API must catch what GitHub would reject: requests and responses outside the OpenAPI
// description are recorded and answered with 422.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { exampleOf, startGitHub, type GitHubFixture } from '../../fixtures/src/github.ts';

let gh: GitHubFixture;
beforeAll(async () => {
  gh = await startGitHub({ token: 't0k', owner: 'o', repo: 'r' });
});
afterAll(async () => gh?.close());

const call = (method: string, path: string, body?: unknown, token = 't0k') =>
  fetch(`${gh.url}${path}`, { method, headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

test('a conforming request gets a response that conforms', async () => {
  const r = await call('POST', '/repos/o/r/pulls', { title: 'x', head: 'b', base: 'main', draft: true });
  expect(r.status).toBe(201);
  expect(await r.json()).toMatchObject({ number: 1, draft: true, head: { ref: 'b' }, base: { ref: 'main' } });
  expect(gh.violations).toEqual([]);
});

test('a body outside the schema is refused and recorded', async () => {
  const r = await call('POST', '/repos/o/r/pulls', { title: 5, head: 'b', base: 'main' });
  expect(r.status).toBe(422);
  expect(gh.violations.pop()).toMatch(/^pulls\/create body: \/title must be string/);
});

test('bad query parameters and wrong tokens are refused', async () => {
  expect((await call('GET', '/repos/o/r/pulls?state=merged')).status).toBe(422);
  expect(gh.violations.pop()).toMatch(/pulls\/list parameter state/);
  expect((await call('GET', '/repos/o/r/pulls', undefined, 'nope')).status).toBe(401);
  expect(gh.violations).toEqual([]);
});

test('minimal instances of GitHub schemas carry every required field', () => {
  const pr = exampleOf({ $ref: '#/components/schemas/pull-request' }) as Record<string, unknown>;
  for (const k of ['url', 'number', 'state', 'head', 'base', 'user', '_links']) expect(pr).toHaveProperty(k);
});
