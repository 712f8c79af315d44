// Just enough of tar and zip to read one small file (pyproject.toml of an sdist, METADATA of a wheel).

import { gunzipSync, inflateRawSync } from 'node:zlib';

/** Files of a (gzipped) tar whose path matches, as text. Handles ustar prefixes and pax/GNU long names. */
export function readTar(bytes: Buffer, want: (path: string) => boolean): Map<string, string> {
  const tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const out = new Map<string, string>();
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const prefix = str(345, 155);
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = undefined;
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if ((type === '0' || type === '\0') && want(name.replace(/^\.\//, ''))) {
      name = name.replace(/^\.\//, '');
      out.set(name, body.toString('utf8'));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Files of a zip whose path matches, as text (stored or deflated entries). */
export function readZip(zip: Buffer, want: (path: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const csize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (want(name)) {
      const lNameLen = zip.readUInt16LE(local + 26);
      const lExtraLen = zip.readUInt16LE(local + 28);
      const data = zip.subarray(local + 30 + lNameLen + lExtraLen, local + 30 + lNameLen + lExtraLen + csize);
      const body = method === 0 ? data : method === 8 ? inflateRawSync(data) : undefined;
      if (body) out.set(name, body.toString('utf8'));
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
