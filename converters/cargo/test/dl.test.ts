import { expect, test } from 'vitest';
import { cratePrefix, expandDl } from '../src/dl.ts';

test('prefix by name length', () => {
  expect(['a', 'ab', 'abc', 'cargo', 'MyCrate'].map(cratePrefix)).toEqual(['1', '2', '3/a', 'ca/rg', 'My/Cr']);
});

test('every dl marker, and the default suffix', () => {
  const sum = 'f'.repeat(64);
  expect(expandDl('https://r.example/crates/{lowerprefix}/{crate}/{version}.crate', 'MyCrate', '1.0.0', sum)).toBe('https://r.example/crates/my/cr/MyCrate/1.0.0.crate');
  expect(expandDl('https://r.example/{prefix}/{crate}-{version}?sum={sha256-checksum}', 'abc', '0.1.0', sum)).toBe(`https://r.example/3/a/abc-0.1.0?sum=${sum}`);
  expect(expandDl('https://r.example/api/v1/crates', 'serde', '1.0.0', sum)).toBe('https://r.example/api/v1/crates/serde/1.0.0/download');
});
