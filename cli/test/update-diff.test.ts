import { describe, expect, test } from 'vitest';
import { nixThrow, renderData, type PinnedArtifact } from '@lock2nix/core';
import { legacyNixData, parseData } from '@lock2nix/fixtures';
import { compareVersions, diffData, formatCommitBody, formatMarkdown, formatTable, mayHavePinnedEntries, parseNixData, readDataFile, toJson, type UpdateReport } from '../src/update/index.ts';

const REG = 'https://github.com/rust-lang/crates.io-index';
const hash = (c: string) => `sha256-${c.repeat(43)}=`;

function crate(name: string, version: string, h = hash('A'), source: PinnedArtifact['source'] = { kind: 'registry', url: REG }): PinnedArtifact {
  return {
    key: `${name}-${version}`, name, version, source,
    fetch: { type: 'file', urls: [`https://static.crates.io/crates/${name}/${version}/download`], name: `${name}-${version}.crate` },
    hashes: [], cachePath: `${name}-${version}.crate`, ...(h ? { pin: { hash: h, by: 'lockfile' as const } } : {}),
  };
}

const render = (artifacts: PinnedArtifact[]) =>
  renderData({ ecosystem: 'cargo', lockfileName: 'Cargo.lock', lockfileFormat: 'Cargo.lock v4', lockfileHash: hash('L'), artifacts });

describe('reading data files', () => {
  test('mayHavePinnedEntries: false only when readDataFile finds no pinned entry', () => {
    const unpinned = render([crate('a', '1.0.0', ''), { ...crate('b', '1.0.0', ''), meta: { hash: 'sha256:00', tags: { fetch: 'x' } } } as PinnedArtifact]);
    const pinned = render([crate('a', '1.0.0', ''), crate('b', '1.0.0')]);
    const pinnedCount = (t: string) => [...readDataFile(t).entries.values()].filter((e) => e.hash !== undefined).length;
    expect(pinnedCount(unpinned)).toBe(0);
    expect(mayHavePinnedEntries(unpinned)).toBe(false);
    expect(pinnedCount(pinned)).toBe(1);
    expect(mayHavePinnedEntries(pinned)).toBe(true);
    // names spelled with escapes, a "}" inside a string before the hash, a hash in a nested value: in doubt, true
    expect(mayHavePinnedEntries(pinned.replace('"hash"', '"h\\u0061sh"'))).toBe(true);
    expect(mayHavePinnedEntries('{"artifacts": {"x": {"fetch": {"name": "a}b", "hash": "sha256-x"}}}}')).toBe(true);
    expect(mayHavePinnedEntries('{"artifacts": {"x": {"fetch" : {"n": {"hash": 1}}}}}')).toBe(true);
    expect(mayHavePinnedEntries('{"artifacts": {"x": {"fetch": {}, "meta": {"fetch": {"hash": "h"}}}}}')).toBe(true);
    expect(mayHavePinnedEntries('{"artifacts": {"x": {"fetch": {"name": "a\\"hash\\"", "url": "u"}, "meta": {"hash": "h"}}}}')).toBe(false);
  });

  test('reads back what render.ts prints, including escapes and unpinned entries', () => {
    const weird = { ...crate('we"ird${x}\\', '1.0.0'), meta: { list: ['a', 'b\nc'], n: 3, neg: -2, t: true, z: null } } as PinnedArtifact;
    const text = render([crate('serde', '1.0.200'), crate('rand', '0.8.5', ''), weird]);
    const d = readDataFile(text);
    expect(d.ecosystem).toBe('cargo');
    expect(d.lockfile).toEqual({ name: 'Cargo.lock', format: 'Cargo.lock v4', hash: hash('L') });
    expect(d.entries.get('serde-1.0.200')).toMatchObject({ name: 'serde', version: '1.0.200', hash: hash('A'), source: { kind: 'registry', url: REG } });
    expect(d.entries.get('rand-0.8.5')!.hash).toBeUndefined();
    expect(d.entries.get('we"ird${x}\\-1.0.0')!.name).toBe('we"ird${x}\\');
  });

  test('format 2 leaves out what it implies; reading it back restores the format 1 values', () => {
    const yarnUrl = 'https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz';
    const npm: PinnedArtifact = {
      key: 'left-pad-1.3.0.tgz', name: 'left-pad', version: '1.3.0', source: { kind: 'registry', url: yarnUrl },
      fetch: { type: 'file', urls: [yarnUrl], name: 'left-pad-1.3.0.tgz' }, hashes: [], cachePath: 'left-pad-1.3.0.tgz',
      pin: { hash: hash('B'), by: 'lockfile' },
    };
    const git: PinnedArtifact = {
      key: 'g', name: 'g', version: '0.1.0', source: { kind: 'git', url: 'https://example.org/g.git', rev: 'a'.repeat(40) },
      fetch: { type: 'git', url: 'https://example.org/g.git', rev: 'a'.repeat(40), submodules: false, name: 'g-src' }, hashes: [], cachePath: 'git/g',
      pin: { hash: hash('C'), by: 'download' },
    };
    const local: PinnedArtifact = { key: 'l', name: 'l', version: '1.0.0', source: { kind: 'path', path: '../l' }, fetch: { type: 'none', reason: 'local' }, hashes: [], cachePath: 'l' };
    const text = render([crate('serde', '1.0.200'), crate('rand', '0.8.5'), npm, git, local]);
    // the shared crates.io source once, an npm source implied by the URL, fetchurl's default name left out
    const raw = parseData(text);
    expect(raw.sources).toEqual({ [REG]: { kind: 'registry', url: REG } });
    expect(raw.artifacts['serde-1.0.200']!.source).toBe(REG);
    expect(raw.artifacts['rand-0.8.5']!.source).toBe(REG);
    expect(raw.artifacts['left-pad-1.3.0.tgz']).toEqual({ name: 'left-pad', version: '1.3.0', fetch: { url: yarnUrl, hash: hash('B') } });
    expect(text).not.toContain('urls');
    expect(raw.artifacts.g!.fetch).toMatchObject({ fetchSubmodules: false });
    expect(raw.artifacts.l).toMatchObject({ type: 'none', reason: 'local' });
    const d = readDataFile(text);
    expect(d.format).toBe(3);
    expect(d.entries.get('serde-1.0.200')).toEqual({
      key: 'serde-1.0.200', name: 'serde', version: '1.0.200', source: { kind: 'registry', url: REG }, hash: hash('A'), cachePath: 'serde-1.0.200.crate', meta: {},
      fetch: { hash: hash('A'), name: 'serde-1.0.200.crate', type: 'file', urls: ['https://static.crates.io/crates/serde/1.0.200/download'] },
    });
    expect(d.entries.get('left-pad-1.3.0.tgz')).toMatchObject({ source: { kind: 'registry', url: yarnUrl }, cachePath: 'left-pad-1.3.0.tgz', fetch: { name: 'left-pad-1.3.0.tgz', urls: [yarnUrl] } });
    expect(d.entries.get('g')!.fetch).toEqual({ hash: hash('C'), name: 'g-src', rev: 'a'.repeat(40), submodules: false, type: 'git', url: 'https://example.org/g.git' });
    expect(d.entries.get('l')).toMatchObject({ source: { kind: 'path', path: '../l' }, fetch: { type: 'none', reason: 'local' }, cachePath: 'l' });
  });

  test('a legacy format 2 file (an unpinned entry with `hash = throw`) reads back as the same data in format 3', () => {
    const text = render([crate('serde', '1.0.200'), crate('rand', '0.8.5', ''), { ...crate('odd', '1.0.0'), source: { kind: 'git', url: 'https://e.org/"${x}' } }]);
    expect(parseData(text).artifacts['rand-0.8.5']).toMatchObject({ unpinned: 'lock2nix: cargo package rand 0.8.5 is not pinned yet; run `lock2nix cargo` without --offline to pin it' });
    const legacy = legacyNixData(text);
    expect(legacy).toMatch(/^# Generated by lock2nix from Cargo\.lock\./);
    expect(legacy).toContain('hash = throw "lock2nix: cargo package rand 0.8.5 is not pinned yet');
    const before = readDataFile(legacy);
    const after = readDataFile(text);
    expect(before.format).toBe(2);
    expect([...before.entries]).toEqual([...after.entries]);
    expect(after.entries.get('rand-0.8.5')!.fetch).not.toHaveProperty('hash');
    expect(diffData('cargo', before, after).changes).toEqual([]);
  });

  test('bad JSON is a DataFileError naming the line; a format other than 3 in JSON is refused', () => {
    expect(() => readDataFile('{\n  "format": 3,\n  x\n}\n', 'd.json')).toThrow(/^d\.json:3: not valid JSON/);
    expect(() => readDataFile('{\n  "format": 2\n}\n', 'd.json')).toThrow(/unsupported data format 2/);
  });

  test('a format 1 file (written by an older lock2nix) compares equal to the same data in format 3', () => {
    const v1 = `{
  artifacts = {
    "serde-1.0.200" = {
      cachePath = "serde-1.0.200.crate";
      fetch = {
        hash = "${hash('A')}";
        name = "serde-1.0.200.crate";
        type = "file";
        urls = [
          "https://static.crates.io/crates/serde/1.0.200/download"
        ];
      };
      name = "serde";
      source = {
        kind = "registry";
        url = "${REG}";
      };
      version = "1.0.200";
    };
  };
  ecosystem = "cargo";
  format = 1;
  lockfile = {
    format = "Cargo.lock v4";
    hash = "${hash('L')}";
    name = "Cargo.lock";
  };
}
`;
    const before = readDataFile(v1);
    const after = readDataFile(render([crate('serde', '1.0.200')]));
    expect(before.entries.get('serde-1.0.200')).toEqual(after.entries.get('serde-1.0.200'));
    expect(diffData('cargo', before, after).changes).toEqual([]);
  });

  test('a throw in a list and negative numbers parse; anything else is refused', () => {
    expect(parseNixData(`[ (${nixThrow('no').code}) (-3) ]`)).toEqual([{ throw: 'no' }, -3]);
    expect(() => parseNixData('{ a = b; }')).toThrow(/unexpected "b"/);
    expect(() => parseNixData('"${x}"')).toThrow(/interpolation/);
    expect(() => parseNixData('{ a = 1; } x')).toThrow(/trailing/);
  });
});

describe('version order', () => {
  test.each([
    ['1.0.203', '1.0.200', 1], ['1.10.0', '1.9.9', 1], ['1.0.0-alpha', '1.0.0', -1], ['2.0', '2.0.0', -1],
    ['0.8.5', '0.8.5', 0], ['v1.2.0', '1.1.9', 1], ['1.0.0-rc.10', '1.0.0-rc.9', 1],
  ])('%s vs %s', (a, b, want) => expect(Math.sign(compareVersions(a, b))).toBe(want));
});

describe('diffing two generations', () => {
  const before = readDataFile(render([crate('serde', '1.0.200'), crate('rand', '0.8.5'), crate('libc', '0.2.150'), crate('old', '1.0.0'), crate('moved', '1.0.0'), crate('syn', '1.0.109'), crate('syn', '2.0.40')]));
  const after = readDataFile(render([
    crate('serde', '1.0.203', hash('B')), crate('rand', '0.8.4', hash('C')), crate('libc', '0.2.150'), crate('new', '0.1.0'),
    crate('moved', '1.0.0', hash('D'), { kind: 'git', url: 'https://github.com/o/moved', rev: 'abcdef0123456789abcdef0123456789abcdef01' }),
    crate('syn', '1.0.109'), crate('syn', '2.0.48', hash('E')),
  ]));
  const d = diffData('cargo', before, after);

  test('classifies each change once and counts the rest as unchanged', () => {
    const brief = d.changes.map((c) => `${c.kind} ${c.name} ${c.old?.version ?? '-'} ${c.new?.version ?? '-'}`);
    expect(brief).toEqual([
      'changed moved 1.0.0 1.0.0 (git abcdef0)',
      'added new - 0.1.0',
      'removed old 1.0.0 -',
      'downgraded rand 0.8.5 0.8.4',
      'upgraded serde 1.0.200 1.0.203',
      'upgraded syn 2.0.40 2.0.48',
    ]);
    expect(d.unchanged).toBe(2);
    expect(d.changes.find((c) => c.name === 'moved')!.details).toContain('source static.crates.io → git: github.com/o/moved@abcdef0'.replace('static.crates.io', 'github.com/rust-lang/crates.io-index'));
  });

  test('a first run lists every entry as added', () => {
    const first = diffData('cargo', undefined, before);
    expect(first.isNew).toBe(true);
    expect(first.changes.every((c) => c.kind === 'added')).toBe(true);
    expect(first.changes).toHaveLength(7);
  });

  test('no change, no entries', () => {
    expect(diffData('cargo', before, before).changes).toEqual([]);
  });

  const report: UpdateReport = {
    outDir: '/p/lock2nix', outputs: [d, { ...diffData('yarn', undefined, readDataFile(render([]))), ecosystem: 'yarn', isNew: false }],
    orphaned: [], changedFiles: ['/p/lock2nix/cargo.nix'], pins: { download: 2, lockfile: 3, reused: 0, unpinned: 0 },
    warnings: [{ output: 'cargo', message: 'a | pipe <b>' }],
  };

  test('Markdown: counts, one row per change, escaped cells, warnings folded away', () => {
    const md = formatMarkdown(report);
    expect(md).toMatch(/^### lock2nix: 2 upgraded, 1 downgraded, 1 added, 1 removed, 1 changed \(hashes: 2 verified by download, 3 from lockfile checksums\)\n/);
    expect(md).toContain(`| cargo | upgraded | serde | 1.0.200 | 1.0.203 | github.com/rust-lang/crates.io-index | \`${hash('B')}\` |`);
    expect(md).toContain('| cargo | added | new | — | 0.1.0 |');
    expect(md).toContain('- cargo: a \\| pipe \\<b\\>');
    expect(md).toContain('Regenerated without package changes: `yarn`.');
    expect(md.split('\n').filter((l) => l.startsWith('| cargo')).length).toBe(6);
  });

  test('Markdown stays under the size cap and says how many rows it left out', () => {
    const many = readDataFile(render(Array.from({ length: 3000 }, (_, i) => crate(`crate-${i}`, '1.0.0'))));
    const big = { ...report, outputs: [diffData('cargo', undefined, many)] };
    const md = formatMarkdown(big, { maxLength: 20_000 });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(/… and \d+ more changes/);
  });

  test('table, commit body and JSON carry the same changes', () => {
    const t = formatTable(report);
    expect(t).toMatch(/^ecosystem +change +package +old +new +source\n/);
    expect(t).toMatch(/cargo +upgraded +serde +1\.0\.200 +1\.0\.203/);
    expect(formatCommitBody(report)).toContain('- cargo: serde 1.0.200 -> 1.0.203 (upgraded)');
    const j = JSON.parse(JSON.stringify(toJson(report))) as { summary: Record<string, number>; outputs: { changes: unknown[] }[] };
    expect(j.summary).toEqual({ added: 1, removed: 1, upgraded: 2, downgraded: 1, changed: 1 });
    expect(j.outputs[0]!.changes).toHaveLength(6);
  });
});
