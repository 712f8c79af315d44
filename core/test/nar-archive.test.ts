// Archive NAR hashes (tar, tar.gz, zip) against nix-hash of the same archive unpacked the way fetchzip does.

import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasTool, runNix } from '@lock2nix/fixtures';
import { Lock2nixError, bytesToHex } from '../src/index.ts';
import { archiveNarHash, archiveNarHashBytes, readTarTree, tarNarHashBytes, zipNarHashBytes } from '../src/hash/archive.ts';
import { gitNarHashBytes } from '../src/hash/git.ts';
import { writeRandomTree } from './nar-fixtures.ts';

const run = promisify(execFile);
const sh = async (script: string, ...args: string[]) => (await run('sh', ['-ec', script, 'sh', ...args], { maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C.UTF-8' } })).stdout;

/**
 * Unpack like fetchzip (stdenv's unpackFile: tar or unzip; then stripRoot) into `out`.
 * Exit 3 when stripRoot finds more or less than one top-level entry.
 */
const FETCHZIP = `
a="$1"; out="$2"; strip="$3"
u=$(mktemp -d); cd "$u"
case "$a" in *.zip) unzip -qq "$a" </dev/null ;; *) tar xf "$a" ;; esac
chmod -R +w "$u"
if [ "$strip" = 1 ]; then
  [ "$(ls -A "$u" | wc -l)" = 1 ] || exit 3
  fn=$(ls -A)
  if [ -f "$u/$fn" ]; then mkdir "$out"; fi
  mv "$u/$fn" "$out"
else
  mv "$u" "$out"
fi
chmod 755 "$out"
`;

/** testWithTools, with unzip probed by `unzip -v` (it has no --version) */
function testWithTools(tools: string[], name: string, fn: () => Promise<void>): void {
  const missing = tools.filter((t) => !(t === 'unzip' ? hasTool('unzip', ['-v']) : t === 'zip' ? hasTool('zip', ['-v']) : hasTool(t)));
  if (missing.length === 0) test(name, fn);
  else test.skip(`${name} [skipped: ${missing.join(', ')} not installed]`, fn);
}

/** FETCHZIP for many archives in one shell */
async function unpackAll(cases: { archive: string; strip: boolean; out: string }[]): Promise<void> {
  const fn = `fz() (\n${FETCHZIP}\n)\n`;
  const calls = cases.map((_, i) => `fz "$${3 * i + 1}" "$${3 * i + 2}" "$${3 * i + 3}"`).join('\n');
  await sh(fn + calls.replace(/\$(\d+)/g, (_, n) => `\${${n}}`), ...cases.flatMap((c) => [c.archive, c.out, c.strip ? '1' : '0']));
}

const N = 30;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lock2nix-archive-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function nixHashes(paths: string[]): Promise<string[]> {
  return (await runNix('nix-hash', ['--type', 'sha256', ...paths])).trim().split('\n');
}

describe('archive NAR hash against nix-hash of the unpacked archive', () => {
  testWithTools(['nix-hash', 'tar', 'zip', 'unzip'], `${N} random trees as tar.gz, pax tar, ./-tar and zip`, async () => {
    const cases: { archive: string; strip: boolean; out: string }[] = [];
    for (let i = 0; i < N; i++) {
      const dir = join(work, `src${i}`);
      const top = `top-${i}`;
      await writeRandomTree(join(dir, top), 5000 + i, { hardlinks: true, noReplacementChar: true });
      const a = join(work, `a${i}`);
      await sh(`
        cd "$1"
        tar -czf "$2.tar.gz" "$3"
        tar --format=pax -cf "$2.pax.tar" "$3"
        tar -C "$3" -cf "$2.dot.tar" .
        zip -qry "$2.zip" "$3"
      `, dir, a, top);
      for (const [ext, strip] of [['tar.gz', true], ['pax.tar', true], ['dot.tar', false], ['zip', true]] as const) {
        cases.push({ archive: `${a}.${ext}`, strip, out: join(work, `out-${i}-${ext}`) });
      }
    }
    await unpackAll(cases);
    const expected = await nixHashes(cases.map((c) => c.out));
    const ours: string[] = [];
    for (const c of cases) ours.push(bytesToHex(await archiveNarHashBytes(c.archive, { stripRoot: c.strip })));
    const bad = cases.filter((_, i) => ours[i] !== expected[i]).map((c) => c.archive);
    expect(bad).toEqual([]);
    // spilling every file to the scratch file gives the same hash
    for (const c of cases.filter((c) => c.archive.endsWith('.tar.gz')).slice(0, 10)) {
      expect(bytesToHex(await archiveNarHashBytes(c.archive, { stripRoot: c.strip, memoryBudget: 0 }))).toBe(expected[cases.indexOf(c)]);
    }
  });

  testWithTools(['nix-hash', 'tar'], 'tar details: duplicates (last wins), hard links, implicit parents, ./ and / prefixes, single file', async () => {
    const d = join(work, 'details');
    await mkdir(join(d, 'p/sub/deeper'), { recursive: true });
    await writeFile(join(d, 'p/sub/deeper/f'), 'one');
    await writeFile(join(d, 'p/x'), 'exec');
    await chmod(join(d, 'p/x'), 0o755);
    await symlink('sub/deeper/f', join(d, 'p/link'));
    await writeFile(join(d, 'single.txt'), 'just me');
    const cases: { archive: string; strip: boolean; out: string }[] = [];
    const add = (name: string, strip = true) => {
      cases.push({ archive: join(work, name), strip, out: join(work, `out-${name}`) });
      return join(work, name);
    };
    // a duplicate appended later wins; the hard link refers to the first version
    await sh(`cd "$1"; tar -cf "$2" p; printf two > p/sub/deeper/f; chmod 755 p/sub/deeper/f; tar -rf "$2" p/sub/deeper/f; ln p/x p/hard; tar -rf "$2" p/hard`, d, add('dup.tar'));
    // members without their folders (implicit parents)
    await sh(`cd "$1"; tar --no-recursion -cf "$2" p/sub/deeper/f p/x`, d, add('noparents.tar'));
    // ./ prefixes with a top folder, and absolute names (GNU tar drops the leading /)
    await sh(`cd "$1"; tar -cf "$2" ./p`, d, add('dotslash.tar'));
    await sh(`cd "$1"; tar -P --transform 's,^p,/p,' -cf "$2" p`, d, add('abs.tar'));
    // a single regular file ends up inside the result
    await sh(`cd "$1"; tar -czf "$2" single.txt`, d, add('single.tgz'));
    for (const c of cases) await sh(FETCHZIP, c.archive, c.out, c.strip ? '1' : '0');
    const expected = await nixHashes(cases.map((c) => c.out));
    const ours: string[] = [];
    for (const c of cases) ours.push(bytesToHex(await archiveNarHashBytes(c.archive, { stripRoot: c.strip })));
    expect(ours).toEqual(expected);
  });

  testWithTools(['tar'], 'names and link targets that are not UTF-8 are refused, not hashed wrongly', async () => {
    const d = join(work, 'latin1');
    for (const [sub, make] of [
      ['name', async (top: string) => writeFile(Buffer.concat([Buffer.from(`${top}/caf`), Buffer.from([0xe9])]), 'x')],
      ['target', async (top: string) => symlink(Buffer.from([0x78, 0xff]), join(top, 'link'))],
    ] as const) {
      const top = join(d, sub, 'top');
      await mkdir(top, { recursive: true });
      await make(top);
      await sh(`cd "$1"; tar -cf ../${sub}.tar top`, join(d, sub));
      await expect(archiveNarHash(join(d, `${sub}.tar`))).rejects.toThrow(/not valid UTF-8/);
    }
  });

  testWithTools(['nix-hash', 'tar', 'git'], 'GitHub-style git archive: pax_global_header is not a file; same hash as the git tree', async () => {
    const repo = join(work, 'repo');
    await writeRandomTree(repo, 42, { noReplacementChar: true });
    await sh(`cd "$1"; git init -q; git add -A; git -c user.name=t -c user.email=t@t commit -qm x; git archive --format=tar.gz --prefix=repo-abc/ HEAD > "$1.tar.gz"; git clone -q "$1" "$1.co"; rm -rf "$1.co/.git"`, repo);
    const listing = await sh(`tar -tvf "$1.tar.gz" | head -1; tar -tf "$1.tar.gz" | grep -c pax_global_header || true`, repo);
    expect(listing).not.toContain('pax_global_header\n1'); // GNU tar does not list it as a member either
    const [expected] = await nixHashes([`${repo}.co`]);
    expect(bytesToHex(await archiveNarHashBytes(`${repo}.tar.gz`))).toBe(expected);
    expect(bytesToHex(await gitNarHashBytes(repo, 'HEAD'))).toBe(expected);
  });

  // (names are ASCII here: for non-ASCII names from DOS hosts, unzip builds differ: Debian's converts them
  // from CP437 even with the UTF-8 flag, nixpkgs' unzip keeps UTF-8)
  testWithTools(['nix-hash', 'unzip', 'python3'], 'zip details: non-unix hosts (no modes), names as stored bytes, what unzip fails on', async () => {
    const z = join(work, 'dos.zip');
    await run('python3', ['-c', `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for name, data in [('top/', None), ('top/a.txt', b'a'), ('top/sub/b.bin', b'\\x00\\x01'), ('top/emptydir/', None), ('top/x.exe', b'MZ')]:
        i = zipfile.ZipInfo(name)
        i.create_system = 0
        i.external_attr = 0x10 if name.endswith('/') else 0
        z.writestr(i, data or b'')
`, z]);
    const out = join(work, 'out-dos');
    await sh(FETCHZIP, z, out, '1');
    const [expected] = await nixHashes([out]);
    expect(bytesToHex(await zipNarHashBytes(z))).toBe(expected);
    // backslashes as separators: unzip warns and exits 1, so fetchzip fails; so do we
    const w = join(work, 'win.zip');
    await run('python3', ['-c', `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    i = zipfile.ZipInfo('top\\\\sub\\\\f.txt')
    i.create_system = 0
    z.writestr(i, b'x')
`, w]);
    await expect(sh(FETCHZIP, w, join(work, 'out-win'), '1')).rejects.toThrow(/backslashes/);
    await expect(zipNarHashBytes(w)).rejects.toThrow(/backslashes/);
    // absolute names and duplicates: unzip exits with status 1 as well
    for (const [file, names] of [['abs.zip', ['/top/f.txt']], ['dup.zip', ['top/f.txt', 'top/f.txt']], ['dot.zip', ['./top/f.txt']]] as const) {
      await run('python3', ['-c', `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for n in sys.argv[2:]:
        i = zipfile.ZipInfo(n)
        i.create_system = 3
        i.external_attr = 0o100644 << 16
        z.writestr(i, b'x')
`, join(work, file), ...names]).catch(() => undefined); // python warns about the duplicate
    }
    // names that are not UTF-8 (python stores 'café' in CP437 without the UTF-8 flag) and UTF-8 ones: their bytes
    await run('python3', ['-c', `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for n in ['top/caf\u00e9', 'top/\u65e5\u672c', 'top/ok']:
        i = zipfile.ZipInfo(n)
        i.create_system = 3
        i.external_attr = 0o100755 << 16
        z.writestr(i, n.encode())
`, join(work, 'names.zip')]);
    await sh(FETCHZIP, join(work, 'names.zip'), join(work, 'out-names'), '1');
    expect(bytesToHex(await zipNarHashBytes(join(work, 'names.zip')))).toBe((await nixHashes([join(work, 'out-names')]))[0]);
    await expect(zipNarHashBytes(join(work, 'abs.zip'))).rejects.toThrow(/absolute/);
    await expect(zipNarHashBytes(join(work, 'dup.zip'))).rejects.toThrow(/twice/);
    await sh(FETCHZIP, join(work, 'dot.zip'), join(work, 'out-dot'), '1');
    expect(bytesToHex(await zipNarHashBytes(join(work, 'dot.zip')))).toBe((await nixHashes([join(work, 'out-dot')]))[0]);
    for (const f of ['abs.zip', 'dup.zip']) await expect(sh(`${FETCHZIP}`, join(work, f), join(work, `out-${f}`), '1')).rejects.toThrow();
  });

  test('stripRoot refuses zero or several top-level entries; tar refuses .., devices and FIFOs', async () => {
    const d = join(work, 'bad');
    await mkdir(join(d, 'a'), { recursive: true });
    await mkdir(join(d, 'b'));
    await writeFile(join(d, 'a/f'), 'f');
    await sh(`cd "$1"; tar -cf two.tar a b; tar -cf one.tar a; mkfifo fifo; tar -cf fifo.tar a fifo; tar -P -cf dotdot.tar a/../a/f; tar -cf empty.tar -T /dev/null`, d);
    await expect(archiveNarHash(join(d, 'two.tar'))).rejects.toThrow(/single top-level/);
    await expect(archiveNarHash(join(d, 'empty.tar'))).rejects.toThrow(/single top-level/);
    expect(await archiveNarHash(join(d, 'two.tar'), { stripRoot: false })).toMatch(/^sha256-/);
    await expect(archiveNarHash(join(d, 'fifo.tar'), { stripRoot: false })).rejects.toThrow(Lock2nixError);
    await expect(archiveNarHash(join(d, 'fifo.tar'), { stripRoot: false })).rejects.toThrow(/FIFO/);
    await expect(archiveNarHash(join(d, 'dotdot.tar'))).rejects.toThrow(/\.\./);
    // truncated archives fail (and do not hang)
    await mkdir(join(d, 'big/top'), { recursive: true });
    await writeFile(join(d, 'big/top/f'), Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) % 251)));
    await sh(`cd "$1/big"; tar -czf ../t.tgz top; tar -cf ../t.tar top; cd ..; head -c $(( $(wc -c < t.tgz) / 2 )) t.tgz > cut.tgz; head -c 1500000 t.tar > cut.tar`, d);
    expect(await archiveNarHash(join(d, 't.tgz'))).toBe(await archiveNarHash(join(d, 't.tar')));
    await expect(archiveNarHash(join(d, 'cut.tgz'))).rejects.toThrow(/unexpected end of file/);
    await expect(archiveNarHash(join(d, 'cut.tar'))).rejects.toThrow(/Truncated/);
    await writeFile(join(d, 'junk.tar'), Buffer.alloc(1024, 7));
    await expect(archiveNarHash(join(d, 'junk.tar'))).rejects.toThrow(Lock2nixError);
    await writeFile(join(d, 'tiny'), 'x');
    await expect(archiveNarHash(join(d, 'tiny'))).rejects.toThrow(/not a tar or zip/);
    await writeFile(join(d, 'x.tar.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]));
    await expect(archiveNarHash(join(d, 'x.tar.xz'))).rejects.toThrow(/xz/);
  });

  test('a tar stream (not a file) hashes the same as the file; the tree lists members without extracting', async () => {
    const d = join(work, 'stream');
    await writeRandomTree(join(d, 'top'), 9, { noReplacementChar: true });
    await sh(`cd "$1"; tar -czf s.tgz top`, d);
    const fromFile = await archiveNarHashBytes(join(d, 's.tgz'));
    const { createReadStream } = await import('node:fs');
    const fromStream = await tarNarHashBytes(createReadStream(join(d, 's.tgz')));
    expect(bytesToHex(fromStream)).toBe(bytesToHex(fromFile));
    const t = await readTarTree(Readable.from([]) as Readable).catch((e: unknown) => e);
    expect(t).toBeDefined();
  });
});
