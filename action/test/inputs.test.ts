import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { BOT, parseInputs } from '../src/index.ts';
import { ROOT } from './support.ts';

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const yml = async () => parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

describe('action.yml', () => {
  test('runs the committed bundle on node24', async () => {
    expect((await yml()).runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  test('declares exactly the inputs the action reads, with the defaults it applies', async () => {
    const declared = (await yml()).inputs;
    const read = new Set<string>();
    parseInputs((name) => {
      read.add(name);
      return name === 'token' ? 't' : '';
    });
    expect(Object.keys(declared).sort()).toEqual([...read].sort());
    // the defaults in action.yml give the same result as empty inputs
    const withDefaults = parseInputs((name) => (name === 'token' ? 't' : declared[name]?.default ?? ''));
    const empty = parseInputs((name) => (name === 'token' ? 't' : ''));
    expect(withDefaults).toEqual(empty);
  });

  test('declares the outputs the action sets', async () => {
    const outputs = Object.keys((await yml()).outputs).sort();
    expect(outputs).toEqual(['changed-files', 'changed-pins', 'pull-request-branch', 'pull-request-head-sha', 'pull-request-number', 'pull-request-operation', 'pull-request-url']);
  });
});

describe('README workflows', () => {
  test('use only inputs and outputs the action declares', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = /<!-- action:start -->([\s\S]*?)<!-- action:end -->/.exec(readme)![1]!;
    const flows = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }> });
    expect(flows.length).toBeGreaterThanOrEqual(2);
    const declared = await yml();
    for (const f of flows) {
      const steps = Object.values(f.jobs).flatMap((j) => j.steps).filter((st) => st.uses?.startsWith('lock2nix/lock2nix@'));
      expect(steps.length).toBe(1);
      for (const k of Object.keys(steps[0]!.with ?? {})) expect(Object.keys(declared.inputs)).toContain(k);
    }
    for (const m of section.matchAll(/steps\.lock2nix\.outputs\.([a-z-]+)/g)) expect(Object.keys(declared.outputs)).toContain(m[1]);
  });
});

describe('inputs', () => {
  const get = (over: Record<string, string>) => (name: string) => over[name] ?? (name === 'token' ? 'tkn' : '');

  test('defaults', () => {
    const i = parseInputs(get({}));
    expect(i).toMatchObject({ mode: 'pull-request', branch: 'lock2nix/update', base: '', verify: 'download', draft: false, deleteBranch: true, ecosystems: [], prLabels: [], author: BOT, prTitle: 'lock2nix: update pinned Nix' });
  });

  test('lists, identities and booleans', () => {
    const i = parseInputs(get({ ecosystems: 'cargo,\nyarn', 'pr-labels': 'a, b\nc', author: 'Jane Doe <jane@example.com>', draft: 'true', 'commit-message': 'deps: pins\n\nmore' }));
    expect(i.ecosystems).toEqual(['cargo', 'yarn']);
    expect(i.prLabels).toEqual(['a', 'b', 'c']);
    expect(i.author).toEqual({ name: 'Jane Doe', email: 'jane@example.com' });
    expect(i.draft).toBe(true);
    expect(i.prTitle).toBe('deps: pins');
  });

  test.each([
    [{ token: '' }, /token is empty/],
    [{ mode: 'upgrade' }, /mode must be/],
    [{ ecosystems: 'npm' }, /unknown ecosystem "npm"/],
    [{ verify: 'maybe' }, /verify must be/],
    [{ draft: 'perhaps' }, /draft must be true or false/],
    [{ branch: 'a..b' }, /not a usable branch name/],
    [{ branch: '-x' }, /not a usable branch name/],
    [{ author: 'nobody' }, /author must look like/],
  ])('refuses %o', (over, err) => {
    expect(() => parseInputs(get(over))).toThrow(err);
  });
});
