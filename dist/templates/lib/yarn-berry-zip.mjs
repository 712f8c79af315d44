// Rebuilds the zip that Yarn (Berry) keeps in its cache for an npm-style tarball, byte for byte: the tarball's
// entries in their order, the first path component replaced by node_modules/<name>, every ancestor folder
// added first (0755), files 0644 (0755 when any exec bit is set), Yarn's fixed timestamp, written the way
// libzip writes an archive. Only Node's own modules, so that the Nix builder can run it too.
// Deflated zips (compressionLevel mixed or 1-9) depend on the zlib inside Yarn's libzip build, which Node's
// zlib does not reproduce: each file is then compressed by that libzip (the libzipSync.js of @yarnpkg/libzip,
// a pinned download) and only the layout is written here.
// Yarn 2.4 (cache key 7) zips differ only by their timestamps and libzip build: see isYarn2CacheKey.
// Usage: node yarn-berry-zip.mjs <tgz> <out.zip> <json: {"prefix": "node_modules/x", "level": 0 | "mixed", "cacheKey": "8"}> [libzipSync.js]
//        (with "from": "checkout" in the json, <tgz> is a git checkout folder, packed as `yarn pack` would)
import { gunzipSync, crc32 } from "node:zlib";
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { posix, resolve } from "node:path";

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
// Yarn's SAFE_TIME as libzip stores it in the DOS time and date fields
const DOS_TIME = 0xae40;
const DOS_DATE = 0x08d6;
// Yarn 2 (cache key 7 and older) stamped every entry with 315532800 (1980-01-01 00:00 UTC) instead
const YARN2_STAMP = { time: 0x0000, date: 0x0021 };

/** Cache keys below 8 (or none: Yarn 2.0) are Yarn 2's; no cache key given: Yarn 3 and later. */
export function isYarn2CacheKey(cacheKey) {
  if (cacheKey === undefined) return false;
  return !(Number.parseInt(cacheKey, 10) >= 8);
}

function cstr(buf, off, len) {
  const end = buf.indexOf(0, off);
  return buf.toString("utf8", off, end < 0 || end > off + len ? off + len : end);
}

function octal(buf, off, len) {
  const s = cstr(buf, off, len).trim();
  if (s === "") return 0;
  if (buf[off] & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + buf[i];
    return n;
  }
  return parseInt(s, 8) || 0;
}

function parsePax(text) {
  const out = {};
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(" ", i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES = { "0": "File", "": "OldFile", "1": "Link", "2": "SymbolicLink", "3": "CharacterDevice", "4": "BlockDevice", "5": "Directory", "6": "FIFO", "7": "ContiguousFile" };

/** The entries of a tar (gzipped or not), as node-tar reports them. */
export function* tarEntries(input) {
  const buf = input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  let off = 0;
  let ex = null;
  let gex = {};
  let longPath = null;
  let longLink = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const flag = cstr(h, 156, 1);
    const meta = flag === "x" || flag === "g" || flag === "L" || flag === "K";
    const fields = meta ? null : Object.assign({}, gex, ex || {});
    let size = octal(h, 124, 12);
    if (fields && fields.size !== undefined) size = parseInt(fields.size, 10);
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === "x") { ex = Object.assign(ex || {}, parsePax(body.toString("utf8"))); continue; }
    if (flag === "g") { gex = Object.assign(gex, parsePax(body.toString("utf8"))); continue; }
    if (flag === "L") { longPath = cstr(body, 0, body.length); continue; }
    if (flag === "K") { longLink = cstr(body, 0, body.length); continue; }
    let path = (fields && fields.path) || cstr(h, 0, 100);
    if (h.subarray(257, 265).toString("latin1") === "ustar\u000000" && !(fields && fields.path)) {
      if (h[475] !== 0) path = cstr(h, 345, 155) + "/" + path;
      else { const prefix = cstr(h, 345, 130); if (prefix) path = prefix + "/" + path; }
    }
    if (longPath !== null) path = longPath;
    let type = TYPES[flag] === undefined ? "Unknown" : TYPES[flag];
    if (type === "File" && path.slice(-1) === "/") type = "Directory";
    if (type === "OldFile" && path.slice(-1) === "/") type = "Directory";
    // the mode of the tar header, even when a pax header states another: neither node-tar (Yarn 3, 4) nor
    // tar-stream (Yarn 2) takes it from there
    let mode = octal(h, 100, 8);
    mode = mode & 0o7777;
    const linkpath = (fields && fields.linkpath) || longLink || cstr(h, 157, 100);
    yield { path: path.replace(/\\/g, "/"), type, mode, linkpath, data: type === "Directory" ? Buffer.alloc(0) : body };
    ex = null;
    longPath = null;
    longLink = null;
  }
}

/** A minimal model of Yarn's ZipFS: entries in creation order. */
class Archive {
  constructor() { this.entries = []; this.index = new Map(); }
  has(p) { return this.index.has(p); }
  add(p, entry) {
    if (this.index.has(p)) { const e = this.entries[this.index.get(p)]; Object.assign(e, entry); return; }
    this.index.set(p, this.entries.length);
    this.entries.push(Object.assign({ name: p }, entry));
  }
  mkdirp(dir) {
    if (dir === "." || dir === "/" || dir === "") return;
    const parts = dir.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      if (!this.has(p)) this.add(p, { dir: true, attr: S_IFDIR | 0o755, data: Buffer.alloc(0) });
    }
  }
}

/** Yarn's tgzUtils.extractArchiveTo onto the model. */
export function buildArchive(tgz, prefix, stripComponents) {
  return archiveOf(tarEntries(tgz), prefix, stripComponents);
}

function archiveOf(entries, prefix, stripComponents) {
  const zip = new Archive();
  for (const entry of entries) {
    if (entry.path[0] === "/") continue;
    const raw = entry.path.split(/\//g);
    if (raw.some((part) => part === "..")) continue;
    if (raw.length <= stripComponents) continue;
    const parts = posix.normalize(entry.path).replace(/\/$/, "").split(/\//g);
    if (parts.length <= stripComponents) continue;
    const mapped = posix.join(prefix, parts.slice(stripComponents).join("/"));
    let mode = 0o644;
    if (entry.type === "Directory" || (entry.mode & 0o111) !== 0) mode |= 0o111;
    if (entry.type === "Directory") {
      zip.mkdirp(posix.dirname(mapped));
      if (zip.has(mapped)) throw new Error("EEXIST: " + mapped);
      zip.add(mapped, { dir: true, attr: S_IFDIR | mode, data: Buffer.alloc(0) });
    } else if (entry.type === "File" || entry.type === "OldFile") {
      zip.mkdirp(posix.dirname(mapped));
      zip.add(mapped, { dir: false, attr: S_IFREG | mode, data: Buffer.from(entry.data) });
    } else if (entry.type === "SymbolicLink") {
      zip.mkdirp(posix.dirname(mapped));
      if (zip.has(mapped)) throw new Error("EEXIST: " + mapped);
      zip.add(mapped, { dir: false, attr: S_IFLNK | 0o777, data: Buffer.from(entry.linkpath) });
    }
  }
  return zip;
}

/**
 * A compressor backed by libzip (Emscripten build, as @yarnpkg/libzip ships it): each file is added alone to
 * an empty archive with the given compression, and its method, flags and compressed bytes are read back.
 */
export function libzipCompressor(libzipSyncPath, level) {
  // the builds of Yarn 3 and 4 export a factory; Yarn 2.4's (2.2.1) the ready module itself
  const mod = createRequire(import.meta.url)(resolve(libzipSyncPath));
  const em = typeof mod === "function" ? mod() : mod;
  const fn = (name, ret, args) => em.cwrap(name, ret, args);
  const openFromSource = fn("zip_open_from_source", "number", ["number", "number", "number"]);
  const sourceCreate = fn("zip_source_buffer_create", "number", ["number", "number", "number", "number", "number"]);
  const sourceBuffer = fn("zip_source_buffer", "number", ["number", "number", "number", "number", "number"]);
  const fileAdd = fn("zip_file_add", "number", ["number", "string", "number", "number"]);
  const setCompression = fn("zip_set_file_compression", "number", ["number", "number", "number", "number", "number"]);
  const close = fn("zip_close", "number", ["number"]);
  const keep = fn("zip_source_keep", null, ["number"]);
  const sOpen = fn("zip_source_open", "number", ["number"]);
  const sSeek = fn("zip_source_seek", "number", ["number", "number", "number", "number"]);
  const sTell = fn("zip_source_tell", "number", ["number"]);
  const sRead = fn("zip_source_read", "number", ["number", "number", "number"]);
  const sClose = fn("zip_source_close", "number", ["number"]);
  const sFree = fn("zip_source_free", null, ["number"]);
  const errorS = fn("zipstruct_errorS", "number", []);
  const copyIn = (bytes) => {
    const p = em._malloc(Math.max(1, bytes.length));
    em.HEAPU8.set(bytes, p);
    return p;
  };
  const empty = Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return (data) => {
    const src = sourceCreate(copyIn(empty), empty.length, 0, 1, errorS());
    const errp = em._malloc(4);
    const zip = openFromSource(src, 0, errp);
    em._free(errp);
    if (!zip) throw new Error("libzip: cannot open an archive");
    const fsrc = sourceBuffer(zip, copyIn(data), data.length, 0, 1);
    const index = fileAdd(zip, "f", fsrc, 8192);
    if (index < 0) throw new Error("libzip: cannot add a file");
    if (level !== "mixed" && setCompression(zip, index, 0, level === 0 ? 0 : 8, level) < 0) throw new Error("libzip: bad compression");
    keep(src);
    if (close(zip) < 0) throw new Error("libzip: cannot write the archive");
    sOpen(src);
    sSeek(src, 0, 0, 2);
    const size = sTell(src);
    sSeek(src, 0, 0, 0);
    const out = em._malloc(size);
    sRead(src, out, size);
    const zipped = Buffer.from(em.HEAPU8.subarray(out, out + size));
    em._free(out);
    sClose(src);
    sFree(src);
    const flags = zipped.readUInt16LE(6);
    const method = zipped.readUInt16LE(8);
    const csize = zipped.readUInt32LE(18);
    const start = 30 + zipped.readUInt16LE(26) + zipped.readUInt16LE(28);
    return { method, flags, data: zipped.subarray(start, start + csize) };
  };
}

/** The archive as libzip writes it: local headers and data, central directory, end record. */
export function writeZip(zip, level, compress, stamp = { time: DOS_TIME, date: DOS_DATE }) {
  if (level !== 0 && !compress) throw new Error("compression level " + level + " needs libzip (pass libzipSync.js)");
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const e of zip.entries) {
    const name = Buffer.from(e.dir ? e.name + "/" : e.name, "utf8");
    const crc = e.data.length ? crc32(e.data) : 0;
    let method = 0;
    let flags = 0;
    let data = e.data;
    if (!e.dir && level !== 0) {
      const c = compress(e.data);
      method = c.method;
      flags = c.flags & 0x0006;
      data = c.data;
    }
    // bit 11: UTF-8 name
    if (/[^\x00-\x7f]/.test(e.name)) flags |= 0x0800;
    const needed = e.dir || method === 8 ? 20 : 10;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(needed, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(stamp.time, 10);
    lh.writeUInt16LE(stamp.date, 12);
    lh.writeUInt32LE(crc >>> 0, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    locals.push(lh, name, data);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x033f, 4);
    ch.writeUInt16LE(needed, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt16LE(stamp.time, 12);
    ch.writeUInt16LE(stamp.date, 14);
    ch.writeUInt32LE(crc >>> 0, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE((e.attr << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name);
    offset += 30 + name.length + data.length;
  }
  if (zip.entries.length > 0xffff || offset > 0xffffffff) throw new Error("archive too large for a plain zip");
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip.entries.length, 8);
  end.writeUInt16LE(zip.entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** tgz bytes -> the zip bytes Yarn would keep in its cache. */
export function tgzToZip(tgz, spec, libzipSyncPath) {
  const level = spec.level === undefined ? 0 : spec.level;
  const compress = level !== 0 && libzipSyncPath ? libzipCompressor(libzipSyncPath, level) : undefined;
  const yarn2 = isYarn2CacheKey(spec.cacheKey);
  return writeZip(buildArchive(tgz, spec.prefix, spec.strip === undefined ? 1 : spec.strip), level, compress, yarn2 ? YARN2_STAMP : undefined);
}

// Git dependencies. Yarn clones the repository, runs `yarn pack` in it (packUtils: the file list of
// genPackList, package.json rewritten as JSON.stringify(raw, null, 2), mode 0755 for `bin` files and 0644 for
// everything else, sorted paths under package/) and zips that tarball as above. Reproduced here for plain
// packages; anything that would make Yarn run scripts, another package manager or a manifest rewrite is
// refused with the reason.
const PACK_ACCEPT = ["/package.json", "/readme", "/readme.*", "/license", "/license.*", "/licence", "/licence.*", "/changelog", "/changelog.*"];
const PACK_REJECT = ["/package.tgz", ".github", ".git", ".hg", "node_modules", ".npmignore", ".gitignore", ".#*", ".DS_Store", ".yarnrc.yml", "/yarn.lock", "/.yarn/cache", "/.yarn/install-state.gz", "/.yarn/__virtual__"];
const REJECT_ALL = "**/*";

export class PackRefused extends Error {}

function globRegex(p) {
  if (p === REJECT_ALL) return /^/;
  if (/[[\]{}()!+@\\]/.test(p) || p.includes("**")) throw new PackRefused("the ignore pattern " + JSON.stringify(p) + " uses glob syntax lock2nix does not reproduce");
  // picomatch: a star that is a whole path segment matches at least one character
  const re = p.split("/").map((seg) => seg === "*" ? "[^/]+" : Array.from(seg, (c) => c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[.^$|]/g, "\\$&")).join("")).join("/");
  return new RegExp("^" + re + "$", "i");
}

// micromatch.isMatch(path, patterns, {dot, nocase}) for the patterns with a slash, and with {basename} for
// the others (packUtils' matchesPattern)
function matchesAny(path, patterns) {
  const base = posix.basename(path);
  return patterns.some((p) => p === REJECT_ALL || globRegex(p).test(p.includes("/") ? path : base));
}

// 0: no opinion, 1: matched, 2: matched by a negated pattern
function patternVerdict(path, list) {
  const plain = list.filter((p) => p[0] !== "!");
  const negated = list.filter((p) => p[0] === "!").map((p) => p.slice(1));
  return matchesAny(path, negated) ? 2 : matchesAny(path, plain) ? 1 : 0;
}

function isIgnored(path, globalList, ignoreLists) {
  const s = patternVerdict(path, globalList.accept);
  if (s !== 0) return s === 2;
  const r = patternVerdict(path, globalList.reject);
  if (r !== 0) return r === 1;
  for (const l of ignoreLists || []) {
    const a = patternVerdict(path, l.accept);
    if (a !== 0) return a === 2;
    const j = patternVerdict(path, l.reject);
    if (j !== 0) return j === 1;
  }
  return false;
}

function addPattern(list, line, cwd) {
  let p = line.trim();
  if (p === "" || p[0] === "#") return;
  const neg = p[0] === "!";
  if (neg) p = p.slice(1);
  if (/\.{0,1}\//.test(p)) p = posix.resolve(cwd, p);
  list.push(neg ? "!" + p : p);
}

const SCRIPTS = ["prepack", "postpack"];
const DEP_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/** Refuses what makes Yarn's pack of a git checkout more than a file copy; returns the manifest. */
export function plainManifest(dir) {
  const refuse = (why) => { throw new PackRefused(why); };
  let raw;
  try { raw = JSON.parse(readFileSync(posix.join(dir, "package.json"), "utf8")); } catch (e) { refuse("no readable package.json at the root of the checkout (" + e.message + ")"); }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) refuse("package.json is not an object");
  for (const s of SCRIPTS) if (raw.scripts && typeof raw.scripts[s] === "string") refuse("it has a " + s + " script, which Yarn runs (after an install) while packing");
  if (raw.packageManager !== undefined) refuse("it names a packageManager, which Yarn then uses to pack it");
  for (const f of ["package-lock.json", "pnpm-lock.yaml", ".yarnrc.yml", ".yarn", ".pnp.cjs", ".pnp.loader.mjs"]) {
    try { lstatSync(posix.join(dir, f)); refuse("it has " + f + ", which changes how Yarn packs it"); } catch (e) { if (e instanceof PackRefused) throw e; }
  }
  try {
    if (!/^__metadata:$/m.test(readFileSync(posix.join(dir, "yarn.lock"), "utf8"))) refuse("it has a Yarn 1 yarn.lock, with which Yarn packs it with Yarn 1 after an install");
  } catch (e) { if (e instanceof PackRefused) throw e; }
  if (raw.publishConfig !== undefined) refuse("it has a publishConfig, which Yarn applies to the packed manifest");
  if (raw.workspaces !== undefined) refuse("it is a workspace root");
  for (const f of DEP_FIELDS) for (const v of Object.values(raw[f] || {})) if (typeof v === "string" && /^(workspace|catalog):/.test(v)) refuse("its " + f + " use " + v.split(":")[0] + ": ranges, which Yarn rewrites while packing");
  return raw;
}

function binPaths(raw) {
  const out = new Set();
  if (typeof raw.bin === "string") out.add(posix.normalize(raw.bin));
  else if (raw.bin && typeof raw.bin === "object") for (const v of Object.values(raw.bin)) if (typeof v === "string") out.add(posix.normalize(v));
  return out;
}

/** packUtils.genPackList on a checkout (paths relative to it, sorted as Yarn sorts them). */
export function packList(dir, raw) {
  const globalList = { accept: PACK_ACCEPT.slice(), reject: PACK_REJECT.slice() };
  const own = { accept: [], reject: [] };
  for (const f of ["main", "module"]) if (typeof raw[f] === "string") own.accept.push(posix.resolve("/", raw[f]));
  if (typeof raw.browser === "string") own.accept.push(posix.resolve("/", raw.browser));
  for (const b of binPaths(raw)) own.accept.push(posix.resolve("/", b));
  if (raw.browser && typeof raw.browser === "object") {
    for (const [k, v] of Object.entries(raw.browser)) { own.accept.push(posix.resolve("/", k)); if (typeof v === "string") own.accept.push(posix.resolve("/", v)); }
  }
  const hasFiles = Array.isArray(raw.files);
  if (hasFiles) { own.reject.push("/*"); for (const f of raw.files) addPattern(own.accept, String(f), "/"); }
  const out = [];
  const stack = [["/", [own]]];
  while (stack.length > 0) {
    const [f, lists] = stack.pop();
    const st = lstatSync(posix.join(dir, f));
    if (isIgnored(f, globalList, st.isDirectory() ? null : lists)) continue;
    if (st.isDirectory()) {
      const names = readdirSync(posix.join(dir, f));
      let ignoreFile = null;
      if (!hasFiles || f !== "/") ignoreFile = names.includes(".npmignore") ? ".npmignore" : names.includes(".gitignore") ? ".gitignore" : null;
      let next = lists;
      if (ignoreFile !== null) {
        const l = { accept: [], reject: [] };
        for (const line of readFileSync(posix.join(dir, f, ignoreFile), "utf8").split(/\n/g)) addPattern(l.reject, line, f);
        next = [l].concat(lists);
      }
      if (isIgnored(f, globalList, lists)) next = [...lists, { accept: [], reject: [REJECT_ALL] }];
      for (const n of names) stack.push([posix.resolve(f, n), next]);
    } else if (st.isFile() || st.isSymbolicLink()) {
      out.push(posix.relative("/", f));
    }
  }
  return out.sort();
}

/** The entries of the tarball `yarn pack` writes for a plain package checkout, as tarEntries gives them. */
export function* packEntries(dir) {
  const raw = plainManifest(dir);
  const bins = binPaths(raw);
  for (const rel of packList(dir, raw)) {
    const p = posix.normalize(rel);
    const full = posix.join(dir, p);
    const mode = bins.has(p) ? 0o755 : 0o644;
    const st = lstatSync(full);
    if (st.isSymbolicLink()) yield { path: "package/" + p, type: "SymbolicLink", mode, linkpath: readlinkSync(full), data: Buffer.alloc(0) };
    else yield { path: "package/" + p, type: "File", mode, linkpath: "", data: p === "package.json" ? Buffer.from(JSON.stringify(raw, null, 2)) : readFileSync(full) };
  }
}

/** A git checkout -> the zip Yarn keeps in its cache for it. */
export function checkoutToZip(dir, spec, libzipSyncPath) {
  const level = spec.level === undefined ? 0 : spec.level;
  const compress = level !== 0 && libzipSyncPath ? libzipCompressor(libzipSyncPath, level) : undefined;
  return writeZip(archiveOf(packEntries(dir), spec.prefix, 1), level, compress, isYarn2CacheKey(spec.cacheKey) ? YARN2_STAMP : undefined);
}

if (process.argv[1] && import.meta.url === "file://" + process.argv[1]) {
  const [src, out, json, libzip] = process.argv.slice(2);
  const spec = JSON.parse(json);
  writeFileSync(out, spec.from === "checkout" ? checkoutToZip(src, spec, libzip) : tgzToZip(readFileSync(src), spec, libzip));
}
