import { describe, expect, test } from 'vitest';
import { headerLines, LockfileError, parseToml } from '../src/index.ts';

describe('toml', () => {
  test('headerLines: exact lines, with blank lines, indentation, comments, CRLF and dotted names', () => {
    const text = '# top\n\n[[package]]\nname = "a"\n\n  [[package]] # second\r\nname = "b"\n\n[metadata.files]\nx = 1\n[metadataXfiles]\n';
    expect(headerLines(text, '[[package]]')).toEqual([3, 6]);
    expect(headerLines(text, '[metadata.files]')).toEqual([9]);
  });
  test('parse errors name file and line', () => {
    const err = (() => { try { parseToml('x.lock', 'a = 1\nb = = 2\n'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(LockfileError);
    expect((err as LockfileError).line).toBe(2);
    expect((err as Error).message).toMatch(/^x\.lock:2: invalid TOML/);
  });
});
