// NuGet's content hash of a package: the SHA-512 of the .nupkg as it would be without its repository
// signature. This is what project.assets.json (`sha512`) and packages.lock.json (`contentHash`) record. A
// signed package's own bytes hash differently, so lock2nix computes this to check a download against the
// lockfile, then pins the file's own hash.
//
// The hashed stream is the zip with the `.signature.p7s` entry cut out: the bytes before the first local
// header, every other entry's local region (header, data, data descriptor) in file order, every other
// central directory record with its local-header offset moved back by the signature entry's size, and the
// end-of-central-directory record with one entry fewer and the directory's size and offset adjusted.

import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Lock2nixError } from '@lock2nix/core';

export const SIGNATURE_ENTRY = '.signature.p7s';

const EOCD_SIG = 0x06054b50;
const CD_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const EOCD_SIZE = 22;
const CHUNK = 1 << 20;

export interface ContentHash {
  /** base64 SHA-512, as NuGet writes it */
  base64: string;
  hex: string;
  /** the package carries a `.signature.p7s` entry (else the content hash is the file's own SHA-512) */
  signed: boolean;
}

interface CdRecord {
  /** position of the record in the file */
  position: number;
  /** size of the record: 46 fixed bytes, name, extra field, comment */
  headerSize: number;
  localOffset: number;
  name: string;
  /** local header to the next local header (or to the central directory) */
  entrySize: number;
}

export class ZipError extends Lock2nixError {
  override name = 'ZipError';
}

export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new ZipError(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

async function hashRange(fh: FileHandle, h: Hash, start: number, end: number): Promise<void> {
  for (let p = start; p < end; p += CHUNK) h.update(await readAt(fh, p, Math.min(CHUNK, end - p)));
}

/** The end-of-central-directory record: the last one whose comment reaches exactly to the end of the file. */
export async function findEocd(fh: FileHandle, size: number): Promise<{ pos: number; rec: Buffer }> {
  if (size < EOCD_SIZE) throw new ZipError('too short to be a zip file');
  const tailLen = Math.min(size, EOCD_SIZE + 0xffff);
  const tail = await readAt(fh, size - tailLen, tailLen);
  for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tailLen) {
      return { pos: size - tailLen + i, rec: tail.subarray(i, i + EOCD_SIZE) };
    }
  }
  throw new ZipError('no end-of-central-directory record (not a zip file)');
}

/** Compute NuGet's content hash of the .nupkg at `path`. Throws (a Lock2nixError) when it is not a usable zip. */
export async function nupkgContentHash(path: string): Promise<ContentHash> {
  const fh = await open(path, 'r');
  try {
    return await contentHashOf(fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

async function contentHashOf(fh: FileHandle, size: number): Promise<ContentHash> {
  const { pos: eocdPos, rec: eocd } = await findEocd(fh, size);
  const diskEntries = eocd.readUInt16LE(8);
  const totalEntries = eocd.readUInt16LE(10);
  const cdSize = eocd.readUInt32LE(12);
  const cdOffset = eocd.readUInt32LE(16);
  const zip64 =
    diskEntries === 0xffff || totalEntries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff ||
    (eocdPos >= 20 && (await readAt(fh, eocdPos - 20, 4)).readUInt32LE(0) === ZIP64_LOCATOR_SIG);
  const whole = async (): Promise<ContentHash> => {
    const h = createHash('sha512');
    await hashRange(fh, h, 0, size);
    const d = h.digest();
    return { base64: d.toString('base64'), hex: d.toString('hex'), signed: false };
  };
  if (zip64) {
    // lock2nix does not read Zip64 directories (nuget.org packages are far below 4 GiB and 65535 entries).
    // The whole-file hash is the content hash of an unsigned package; for a signed one it differs from the
    // lockfile's value, and verification fails with a mismatch naming the package.
    return whole();
  }
  if (cdOffset + cdSize > eocdPos) throw new ZipError('central directory overlaps the end record');
  const cd = await readAt(fh, cdOffset, cdSize);
  const records: CdRecord[] = [];
  for (let p = 0; p < cdSize; ) {
    if (p + 46 > cdSize || cd.readUInt32LE(p) !== CD_SIG) throw new ZipError(`bad central directory record at byte ${cdOffset + p}`);
    const nameLen = cd.readUInt16LE(p + 28);
    const headerSize = 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    if (p + headerSize > cdSize) throw new ZipError(`central directory record at byte ${cdOffset + p} runs past the directory`);
    records.push({
      position: cdOffset + p,
      headerSize,
      localOffset: cd.readUInt32LE(p + 42),
      name: cd.subarray(p + 46, p + 46 + nameLen).toString('latin1'),
      entrySize: 0,
    });
    p += headerSize;
  }
  if (records.length !== totalEntries || records.length !== diskEntries) {
    throw new ZipError(`the end record counts ${totalEntries} entries, the central directory holds ${records.length}`);
  }
  const sigs = records.filter((r) => r.name === SIGNATURE_ENTRY);
  if (sigs.length === 0) return whole();
  if (sigs.length > 1) throw new ZipError(`more than one ${SIGNATURE_ENTRY} entry`);
  const sig = sigs[0]!;

  const byOffset = [...records].sort((a, b) => a.localOffset - b.localOffset);
  byOffset.forEach((r, i) => {
    const next = i + 1 < byOffset.length ? byOffset[i + 1]!.localOffset : cdOffset;
    if (next <= r.localOffset) throw new ZipError(`entries ${JSON.stringify(r.name)} and the next share a local header offset`);
    r.entrySize = next - r.localOffset;
  });
  for (const r of byOffset) {
    if ((await readAt(fh, r.localOffset, 4)).readUInt32LE(0) !== LOCAL_SIG) throw new ZipError(`no local header for ${JSON.stringify(r.name)} at byte ${r.localOffset}`);
  }

  const h = createHash('sha512');
  await hashRange(fh, h, 0, byOffset[0]!.localOffset);
  for (const r of byOffset) if (r !== sig) await hashRange(fh, h, r.localOffset, r.localOffset + r.entrySize);
  const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
  for (const r of records) {
    if (r === sig) continue;
    const rel = r.position - cdOffset;
    h.update(cd.subarray(rel, rel + 42));
    h.update(u32(r.localOffset > sig.localOffset ? r.localOffset - sig.entrySize : r.localOffset));
    h.update(cd.subarray(rel + 46, rel + r.headerSize));
  }
  h.update(eocd.subarray(0, 8));
  h.update(u16(diskEntries - 1));
  h.update(u16(totalEntries - 1));
  h.update(u32(cdSize - sig.headerSize));
  h.update(u32(cdOffset - sig.entrySize));
  await hashRange(fh, h, eocdPos + 20, size);
  const d = h.digest();
  return { base64: d.toString('base64'), hex: d.toString('hex'), signed: true };
}
