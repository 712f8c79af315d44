// earlierPin (pin.ts): what an --offline run may take from the earlier output for an artifact whose lockfile
// states only an ecosystem hash. End-to-end runs against loopback feeds are in cli/test/offline-earlier.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { earlierPin, hexToSri, type Artifact, type Converter, type EarlierEntry } from '../src/index.ts';

const content = createHash('sha512').update('content').digest('hex');
const file = createHash('sha256').update('file').digest('hex');
const URL = 'https://feed.example/v3-flatcontainer/a/1.0.0/a.1.0.0.nupkg';
const conv = { verifiedHashMeta: 'contentHash' } as unknown as Converter;

function artifact(over: Partial<Artifact> = {}): Artifact {
  return {
    key: 'a/1.0.0',
    name: 'A',
    version: '1.0.0',
    source: { kind: 'alt-registry', url: 'https://feed.example/v3/index.json' },
    fetch: { type: 'file', urls: [URL], name: 'a.1.0.0.nupkg' },
    hashes: [{ algo: 'sha512', hex: content, meaning: 'ecosystem', field: 'contentHash' }],
    cachePath: 'a/1.0.0/a.1.0.0.nupkg',
    meta: { contentHash: hexToSri('sha512', content) },
    ...over,
  };
}
function earlier(over: Partial<EarlierEntry> = {}): EarlierEntry {
  return {
    key: 'a/1.0.0',
    source: { kind: 'alt-registry', url: 'https://feed.example/v3/index.json' },
    fetch: { type: 'file', urls: [URL], name: 'a.1.0.0.nupkg', hash: hexToSri('sha256', file) },
    hash: hexToSri('sha256', file),
    meta: { contentHash: hexToSri('sha512', content) },
    ...over,
  };
}

describe('earlierPin', () => {
  test('the same download, verified against the same content hash: its sha256 pin is reused', () => {
    expect(earlierPin(artifact(), conv, earlier())).toEqual({ hash: hexToSri('sha256', file), by: 'download' });
  });

  test.each([
    ['no earlier entry', artifact(), undefined],
    ['an unpinned earlier entry', artifact(), earlier({ hash: undefined })],
    ['no recorded content hash', artifact(), earlier({ meta: {} })],
    ['another recorded content hash', artifact(), earlier({ meta: { contentHash: hexToSri('sha512', '11'.repeat(64)) } })],
    ['this run does not record it', artifact({ meta: {} }), earlier()],
    ['other URLs', artifact({ fetch: { type: 'file', urls: [`${URL}?x`], name: 'a.1.0.0.nupkg' } }), earlier()],
    ['no URL', artifact({ fetch: { type: 'file', urls: [], name: 'a.1.0.0.nupkg' } }), earlier({ fetch: { type: 'file', urls: [], name: 'a.1.0.0.nupkg' } })],
    ['another store name', artifact({ fetch: { type: 'file', urls: [URL], name: 'b.nupkg' } }), earlier()],
    ['a pin a fresh run would not emit (sha512)', artifact(), earlier({ hash: hexToSri('sha512', content) })],
    ['a malformed pin', artifact(), earlier({ hash: 'sha256-AAAA' })],
    ['an artifact without a stated hash (a pack)', artifact({ hashes: [] }), earlier()],
    ['an artifact with a file hash too', artifact({ hashes: [...artifact().hashes, { algo: 'sha256', hex: file, meaning: 'file', field: 'x' }] }), earlier()],
  ])('not reused: %s', (_what, a, e) => {
    expect(earlierPin(a, conv, e)).toBeUndefined();
  });

  test('a converter that does not record a verified hash never reuses', () => {
    expect(earlierPin(artifact(), {} as Converter, earlier())).toBeUndefined();
  });
});
