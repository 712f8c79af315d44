// nuget.config: package sources (with <clear/> and disabled sources) and their credentials. Credentials are
// handed to the prefetcher for the downloads lock2nix makes; they never reach the generated output.

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, parse as parsePath } from 'node:path';
import { LockfileError } from '@lock2nix/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface ConfigSource {
  key: string;
  url: string;
  protocolVersion?: string;
}

export interface Credential {
  username: string;
  password: string;
}

export interface NugetConfig {
  /** the config files read, closest last */
  files: string[];
  /** enabled sources, in order */
  sources: ConfigSource[];
  /** by source key */
  credentials: Map<string, Credential>;
  /** packageSourceMapping: source key → id patterns (`Contoso.*`, `*`, exact ids); empty when not used */
  mapping: Map<string, string[]>;
  warnings: string[];
}

const CONFIG_NAMES = new Set(['nuget.config', 'nuget.Config', 'NuGet.config', 'NuGet.Config', 'NUGET.CONFIG']);

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function children(node: XmlNode, tag: string): XmlNode[] {
  const v = node[tag];
  return Array.isArray(v) ? (v as XmlNode[]) : [];
}

function tagOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

/** `_x0020_` and friends: how NuGet writes characters that are not allowed in element names. */
export function decodeXmlName(name: string): string {
  return name.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** `%NAME%` references, as NuGet expands them in config values. Unknown names are left as written. */
function expand(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/%([^%]+)%/g, (all, name: string) => env[name] ?? all);
}

/** The config files NuGet would read for a project in `dir`: from the file system root down to `dir`, and the user's. */
export async function findConfigFiles(dir: string, env: Record<string, string | undefined>): Promise<string[]> {
  const found: string[] = [];
  const user = env.APPDATA ? join(env.APPDATA, 'NuGet', 'NuGet.Config') : env.HOME ? join(env.HOME, '.nuget', 'NuGet', 'NuGet.Config') : undefined;
  if (user) {
    try {
      await readFile(user);
      found.push(user);
    } catch {
      // no user-level config
    }
  }
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    let names: string[] = [];
    try {
      names = (await readdir(d)).filter((n) => CONFIG_NAMES.has(n)).sort();
    } catch {
      // unreadable folder: nothing here
    }
    if (names[0]) chain.push(join(d, names[0]));
    if (d === parsePath(d).root) break;
  }
  return [...found, ...chain.reverse().filter((f) => f !== user)];
}

/** Read the configs, furthest first, so that a closer file's <clear/> and keys win. */
export async function readNugetConfig(files: string[], env: Record<string, string | undefined>): Promise<NugetConfig> {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, parseAttributeValue: false, trimValues: true });
  let sources: ConfigSource[] = [];
  const disabled = new Set<string>();
  const credentials = new Map<string, Credential>();
  const mapping = new Map<string, string[]>();
  const warnings: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const xml = text.replace(/^\uFEFF/, '');
    const valid = XMLValidator.validate(xml);
    if (valid !== true) throw new LockfileError(file, valid.err.line, `not a readable nuget.config: ${valid.err.msg}`);
    let doc: XmlNode[];
    try {
      doc = parser.parse(xml) as XmlNode[];
    } catch (e) {
      throw new LockfileError(file, undefined, `not a readable nuget.config: ${(e as Error).message}`);
    }
    const config = doc.find((n) => tagOf(n) === 'configuration');
    if (!config) continue;
    for (const section of children(config, 'configuration')) {
      const tag = tagOf(section);
      const items = tag ? children(section, tag) : [];
      if (tag === 'packageSources') {
        for (const item of items) {
          const t = tagOf(item);
          const a = item[':@'] ?? {};
          if (t === 'clear') sources = [];
          else if (t === 'remove' && a.key) sources = sources.filter((s) => s.key !== a.key);
          else if (t === 'add' && a.key && a.value) {
            const src: ConfigSource = { key: a.key, url: expand(a.value, env), ...(a.protocolVersion ? { protocolVersion: a.protocolVersion } : {}) };
            const at = sources.findIndex((s) => s.key === a.key);
            if (at >= 0) sources[at] = src;
            else sources.push(src);
          }
        }
      } else if (tag === 'disabledPackageSources') {
        for (const item of items) {
          const t = tagOf(item);
          const a = item[':@'] ?? {};
          if (t === 'clear') disabled.clear();
          else if (t === 'add' && a.key) {
            if (a.value?.toLowerCase() === 'true') disabled.add(a.key);
            else disabled.delete(a.key);
          }
        }
      } else if (tag === 'packageSourceMapping') {
        for (const item of items) {
          const t = tagOf(item);
          const a = item[':@'] ?? {};
          if (t === 'clear') mapping.clear();
          else if (t === 'packageSource' && a.key) {
            const patterns = children(item, 'packageSource').flatMap((pkg) => (tagOf(pkg) === 'package' && pkg[':@']?.pattern ? [pkg[':@'].pattern] : []));
            mapping.set(a.key, [...(mapping.get(a.key) ?? []), ...patterns]);
          }
        }
      } else if (tag === 'packageSourceCredentials') {
        for (const sourceNode of items) {
          const name = tagOf(sourceNode);
          if (!name) continue;
          const key = decodeXmlName(name);
          const values: Record<string, string> = {};
          for (const item of children(sourceNode, name)) {
            const a = item[':@'] ?? {};
            if (tagOf(item) === 'add' && a.key && a.value !== undefined) values[a.key.toLowerCase()] = expand(a.value, env);
          }
          if (values.username !== undefined && values.cleartextpassword !== undefined) {
            credentials.set(key, { username: values.username, password: values.cleartextpassword });
          } else if (values.password !== undefined) {
            warnings.push(`${file}: the credentials of source ${key} use an encrypted "Password", which only Windows can read; lock2nix ignores them (use "ClearTextPassword" with a %VARIABLE%, or NuGetPackageSourceCredentials_${key})`);
          }
        }
      }
    }
  }
  // NuGet's environment override: NuGetPackageSourceCredentials_<key>=Username=...;Password=...
  for (const s of sources) {
    const v = env[`NuGetPackageSourceCredentials_${s.key}`];
    if (!v) continue;
    const parts = Object.fromEntries(v.split(';').map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i).trim().toLowerCase(), kv.slice(i + 1)]; }));
    if (parts.username !== undefined && parts.password !== undefined) credentials.set(s.key, { username: parts.username, password: parts.password });
  }
  return { files, sources: sources.filter((s) => !disabled.has(s.key)), credentials, mapping, warnings };
}

/**
 * packageSourceMapping: the source keys a package id may come from. The most specific matching pattern wins
 * (an exact id over any prefix, a longer prefix over a shorter one); undefined when no mapping is configured.
 */
export function mappedSources(mapping: Map<string, string[]>, id: string): Set<string> | undefined {
  if (mapping.size === 0) return undefined;
  const lid = id.toLowerCase();
  let best = -1;
  let keys = new Set<string>();
  for (const [key, patterns] of mapping) {
    for (const pattern of patterns) {
      const pat = pattern.toLowerCase();
      let score = -1;
      if (pat.endsWith('*')) {
        if (lid.startsWith(pat.slice(0, -1))) score = pat.length - 1;
      } else if (pat === lid) {
        score = Number.MAX_SAFE_INTEGER;
      }
      if (score > best) {
        best = score;
        keys = new Set([key]);
      } else if (score === best && score >= 0) {
        keys.add(key);
      }
    }
  }
  return keys;
}
