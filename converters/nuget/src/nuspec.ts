// The package's own manifest (`<id>.nuspec` at the root of the .nupkg): which package a download really is.
// Used for the packs restore downloads (`downloadDependencies`), which the lockfile states no hash for.

import { open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { ZipError, findEocd, readAt } from './content-hash.ts';

export interface NuspecIdentity {
  id: string;
  version: string;
}

/** The id and version the .nupkg's root nuspec states; throws ZipError when there is none to read. */
export async function readNuspecIdentity(path: string): Promise<NuspecIdentity> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const { rec: eocd } = await findEocd(fh, size);
    const cdSize = eocd.readUInt32LE(12);
    const cdOffset = eocd.readUInt32LE(16);
    if (cdOffset === 0xffffffff || cdSize === 0xffffffff || cdOffset + cdSize > size) throw new ZipError('Zip64 or damaged central directory');
    const cd = await readAt(fh, cdOffset, cdSize);
    for (let p = 0; p + 46 <= cdSize; ) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new ZipError(`bad central directory record at byte ${cdOffset + p}`);
      const method = cd.readUInt16LE(p + 10);
      const compressed = cd.readUInt32LE(p + 20);
      const nameLen = cd.readUInt16LE(p + 28);
      const local = cd.readUInt32LE(p + 42);
      const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
      p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
      if (name.includes('/') || !/\.nuspec$/i.test(name)) continue;
      const lh = await readAt(fh, local, 30);
      if (lh.readUInt32LE(0) !== 0x04034b50) throw new ZipError(`no local header for ${name}`);
      const start = local + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
      if (compressed > 16 * 1024 * 1024 || start + compressed > size) throw new ZipError(`${name} is too large or cut short`);
      const raw = await readAt(fh, start, compressed);
      const xml = (method === 8 ? inflateRawSync(raw, { maxOutputLength: 64 * 1024 * 1024 }) : method === 0 ? raw : undefined)?.toString('utf8');
      if (xml === undefined) throw new ZipError(`${name} uses compression method ${method}`);
      const doc = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false }).parse(xml.replace(/^\uFEFF/, '')) as { package?: { metadata?: { id?: unknown; version?: unknown } } };
      const id = doc.package?.metadata?.id;
      const version = doc.package?.metadata?.version;
      if (typeof id !== 'string' || typeof version !== 'string') throw new ZipError(`${name} states no <id> and <version>`);
      return { id: id.trim(), version: version.trim() };
    }
    throw new ZipError('no .nuspec at the root of the package');
  } finally {
    await fh.close();
  }
}
