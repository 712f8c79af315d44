// parse-v1 gives @yarnpkg/lockfile the text with its unquoted `integrity` values quoted (a flat string per value
// instead of a chain of one-character pieces): the parse must be exactly that of the text as written, whatever
// the text.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type * as LockfileLib from '@yarnpkg/lockfile';
import { quoteIntegrity } from '../src/parse-v1.ts';

const lockfile = createRequire(import.meta.url)('@yarnpkg/lockfile') as typeof LockfileLib;
const CORPUS = join(import.meta.dirname, '../../../fixtures/corpus/yarn');

function outcome(text: string): unknown {
  try {
    const r = lockfile.parse(text, 'yarn.lock');
    return { type: r.type, object: JSON.parse(JSON.stringify(r.object)) as unknown };
  } catch (e) {
    // the position in the message is that of the text given: only the kind of failure is compared
    return { error: (e as Error).name };
  }
}

/** Every line's strings end on it: what parseV1 checks before parsing (the parser spins on a string that never ends). */
function closedStrings(text: string): boolean {
  return text.split('\n').every((l) => {
    let inString = false;
    for (let j = 0; j < l.length; j++) {
      if (inString) {
        if (l[j] === '\\') j++;
        else if (l[j] === '"') inString = false;
      } else if (l[j] === '#') break;
      else if (l[j] === '"') inString = true;
    }
    return !inString;
  });
}

describe('quoting integrity values for the parser', () => {
  test.each(['hedgedoc1-v1-git', 'jest-v1-workspaces-large', 'prisma-crud-v1-small'])('corpus %s: same parse, values quoted', (name) => {
    const text = readFileSync(join(CORPUS, name, 'yarn.lock'), 'utf8');
    const quoted = quoteIntegrity(text);
    expect(quoted).not.toBe(text);
    expect(quoted.split('\n').length).toBe(text.split('\n').length);
    expect(outcome(quoted)).toEqual(outcome(text));
  });

  test('any text: same parse (or the same kind of failure)', () => {
    const line = fc.constantFrom(
      'a@^1:\n', '"b@^2", b@~2:\n', '  version "1.0.0"\n', '  version 1\n', '  resolved "https://r/a.tgz#abc"\n', '  x "a\\"\n',
      '\n', '\r\n', '# c\n', '  dependencies:\n', '    c "^1"\n', '  "q', '<<<<<<< a\n', '=======\n', '>>>>>>> b\n',
    );
    const integrityLine = fc
      .tuple(
        fc.constantFrom('', ' ', '  ', '   ', '    ', '\t'),
        fc.constantFrom('integrity', '"integrity"', 'integrityx'),
        fc.constantFrom(' ', ' ', '  ', ':', ': '),
        fc.array(
          fc.oneof(
            { arbitrary: fc.constant('sha512-AbC+/9=='), weight: 12 },
            { arbitrary: fc.constantFrom('sha1-x', 'true', 'false', '1', 'x:y', ',', ' ', '#c', '"', '\\', '\u2028', '=', '-', '/a', 'é'), weight: 4 },
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.constantFrom('\n', '\n', '\n', '\r\n', '\r', '\u2028\n', ' \n', ''),
      )
      .map(([indent, key, sep, value, end]) => `${indent}${key}${sep}${value.join('')}${end}`);
    let changed = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ arbitrary: line, weight: 1 }, { arbitrary: integrityLine, weight: 2 }), { maxLength: 16 }), (parts) => {
        const text = parts.join('') + '\n';
        if (!closedStrings(text)) return;
        const quoted = quoteIntegrity(text);
        if (quoted !== text) changed++;
        expect(outcome(quoted)).toEqual(outcome(text));
      }),
      { numRuns: 1000 },
    );
    // (the generator does reach the values that are quoted)
    expect(changed).toBeGreaterThan(20);
  });
});
