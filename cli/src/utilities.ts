// `lock2nix hash` and `lock2nix prefetch`: what nix-hash and nix-prefetch-url print, for people without Nix.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { checkStoreName, createPrefetcher, defaultCacheDir, fixedOutputPathOf, formatHash, HashMismatchError, Lock2nixError, narHashBytes, parseHash, redactUrl, UsageError, type HashAlgo, type HashFormat } from '@lock2nix/core';
import { makeReporter } from './terminal.ts';
import { keepYoungGenerationSmall } from '../bin/runtime.js';
import { EXIT, type Io } from './main.ts';

function pickFormat(v: { sri?: boolean; base32?: boolean; hex?: boolean }, dflt: HashFormat): HashFormat {
  const chosen = (['sri', 'base32', 'hex'] as const).filter((k) => v[k]);
  if (chosen.length > 1) throw new UsageError('choose one of --sri, --base32, --hex');
  return chosen[0] === 'base32' ? 'nix32' : (chosen[0] ?? dflt);
}

function pickAlgo(t: string | undefined): HashAlgo {
  const a = t ?? 'sha256';
  if (a !== 'sha1' && a !== 'sha256' && a !== 'sha512') throw new UsageError(`--type must be sha1, sha256 or sha512, not ${a}`);
  return a;
}

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** lock2nix hash [--flat|--nar] [--sri|--base32|--hex] [--type ALGO] PATH... (default: NAR, base16, like nix-hash) */
export async function hashCommand(args: string[], io: Io): Promise<number> {
  const p = parse(args, {
    flat: { type: 'boolean' }, nar: { type: 'boolean' }, sri: { type: 'boolean' }, base32: { type: 'boolean' },
    hex: { type: 'boolean' }, type: { type: 'string' },
  });
  const v = p.values as Record<string, string | boolean | undefined>;
  if (p.positionals.length === 0) throw new UsageError('usage: lock2nix hash [--flat|--nar] [--sri|--base32|--hex] [--type sha256] PATH...');
  if (v.flat && v.nar) throw new UsageError('choose one of --flat, --nar');
  const algo = pickAlgo(v.type as string | undefined);
  const format = pickFormat(v as { sri?: boolean; base32?: boolean; hex?: boolean }, 'hex');
  // like nix-hash: one line per path, in the order given
  for (const arg of p.positionals) {
    const path = resolve(io.cwd, arg);
    let bytes: Uint8Array;
    try {
      if (v.flat) {
        if (!(await stat(path)).isFile()) throw new UsageError(`--flat needs a regular file: ${arg}`);
        const h = createHash(algo);
        await pipeline(createReadStream(path), h);
        bytes = new Uint8Array(h.digest());
      } else {
        bytes = await narHashBytes(path, algo);
      }
    } catch (e) {
      if (e instanceof Lock2nixError) throw e;
      throw new Lock2nixError(`cannot hash ${arg}: ${(e as Error).message}`);
    }
    io.out(`${formatHash({ algo, bytes }, format)}\n`);
  }
  return EXIT.ok;
}

/**
 * lock2nix prefetch URL [HASH] [--unpack] [--type ALGO] [--name NAME] [--print-path] [--sri|--base32|--hex]
 * Prints what nix-prefetch-url would: the hash on stdout (base32 by default), the store path the download would
 * have in Nix's store on stderr (`path is '...'`) or, with --print-path, as a second stdout line.
 */
export async function prefetchCommand(args: string[], io: Io): Promise<number> {
  const p = parse(args, {
    unpack: { type: 'boolean' }, sri: { type: 'boolean' }, base32: { type: 'boolean' }, hex: { type: 'boolean' },
    type: { type: 'string' }, name: { type: 'string' }, 'print-path': { type: 'boolean' }, 'cache-dir': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  const v = p.values as Record<string, string | boolean | undefined>;
  if (p.positionals.length < 1 || p.positionals.length > 2) throw new UsageError('usage: lock2nix prefetch URL [HASH] [--unpack] [--type sha256] [--name NAME] [--print-path] [--sri|--base32|--hex]');
  const algo = pickAlgo(v.type as string | undefined);
  const format = pickFormat(v as { sri?: boolean; base32?: boolean; hex?: boolean }, 'nix32');
  const url = p.positionals[0]!;
  const name = (v.name as string | undefined) ?? url.replace(/\/+$/, '').slice(url.replace(/\/+$/, '').lastIndexOf('/') + 1);
  if (!name) throw new UsageError(`cannot figure out the file name for ${redactUrl(url)}; use --name`);
  try {
    checkStoreName(name);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; use --name`);
  }
  const expected = p.positionals[1] !== undefined ? parseHash(p.positionals[1], algo) : undefined;
  const reporter = makeReporter({ io, quiet: Boolean(v.quiet), verbose: false });
  const cacheDir = v['cache-dir'] ? resolve(io.cwd, v['cache-dir'] as string) : defaultCacheDir(io.env);
  // one download, however large, in chunks that die young: a small young generation (see runtime.js)
  keepYoungGenerationSmall();
  const prefetcher = createPrefetcher({ cacheDir, reporter, ...(io.env.NETRC ? { netrcFile: io.env.NETRC } : {}) });
  try {
    let bytes: Uint8Array;
    if (v.unpack) {
      const tree = await prefetcher.archive({ urls: [url], pkg: name, refresh: true });
      bytes = algo === 'sha256' ? new Uint8Array(Buffer.from(tree.narHash.slice('sha256-'.length), 'base64')) : await narHashBytes(tree.dir, algo);
    } else {
      const f = await prefetcher.file({ urls: [url], pkg: name, refresh: true, ...(expected ? { expect: { algo, hex: Buffer.from(expected.bytes).toString('hex') } } : {}) });
      bytes = new Uint8Array(Buffer.from(f.digests[algo], 'hex'));
    }
    reporter.done();
    if (expected && Buffer.compare(Buffer.from(expected.bytes), Buffer.from(bytes)) !== 0) {
      throw new HashMismatchError(name, redactUrl(url), formatHash(expected, 'sri'), formatHash({ algo, bytes }, 'sri'));
    }
    const storePath = fixedOutputPathOf(name, algo, bytes, Boolean(v.unpack));
    if (!v['print-path']) io.err(`path is '${storePath}'\n`);
    io.out(`${formatHash({ algo, bytes }, format)}\n`);
    if (v['print-path']) io.out(`${storePath}\n`);
    return EXIT.ok;
  } finally {
    reporter.done();
    await prefetcher.close();
  }
}
