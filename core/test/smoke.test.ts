import { describe, expect, test } from 'vitest';
import { nixString, printNix, parseHash, toNix32, formatHash, hexToBytes } from '../src/index.ts';
import { startServer, startGitServer, git } from '@lock2nix/fixtures';

describe('core smoke', () => {
  test('nix32 vectors from shared/reference/nix-hashing.md', () => {
    expect(toNix32(hexToBytes('d86b3392c1202e8ff5a423b302e6284db7f8f435ea9f39b5b1b20fd3ac36dfcb'))).toBe('1jyz6snd63xjn6skk7za6psgidsd53k05cr3lksqybi0q6936syq');
    expect(formatHash(parseHash('sha256:0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i'), 'sri')).toBe('sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=');
  });
  test('printer escapes', () => {
    expect(nixString('a"b\\c${d}$e\n')).toBe('"a\\"b\\\\c\\${d}$e\\n"');
    expect(printNix({ b: [1, 'x'], a: true, 'a-b.c': null })).toBe('{\n  a = true;\n  "a-b.c" = null;\n  b = [\n    1\n    "x"\n  ];\n}');
  });
  test('fixture server and git server start on loopback', async () => {
    const s = await startServer();
    s.file('/x', 'hello');
    const r = await fetch(`${s.url}/x`);
    expect(await r.text()).toBe('hello');
    await s.close();
    const g = await startGitServer();
    const rev = await g.commit('repo', { 'a.txt': 'a' });
    expect(rev).toMatch(/^[0-9a-f]{40}$/);
    expect(await git('/tmp', 'ls-remote', `${g.url}/repo`)).toContain(rev);
    await g.close();
  });
});
