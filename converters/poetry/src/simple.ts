// The Simple Repository API: a project's page as PEP 691 JSON, or PEP 503 HTML when the index serves that.

import { Lock2nixError, type Prefetcher } from '@lock2nix/core';
import { SIMPLE_ACCEPT } from './defaults.ts';

export interface IndexFile {
  filename: string;
  /** absolute, without the fragment */
  url: string;
  sha256?: string;
  /** false, or true / the reason when yanked */
  yanked: boolean | string;
  requiresPython?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+|#39);/g, (all, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? all;
  });
}

function splitFragment(href: string, base: string): { url: string; sha256?: string } {
  const abs = new URL(href, base);
  const frag = abs.hash.replace(/^#/, '');
  abs.hash = '';
  const m = /(?:^|&)sha256=([0-9a-fA-F]{64})(?:&|$)/.exec(frag);
  return { url: abs.toString(), ...(m ? { sha256: m[1]!.toLowerCase() } : {}) };
}

export function parseSimpleJson(body: string, base: string): IndexFile[] {
  const doc = JSON.parse(body) as { files?: unknown };
  if (!Array.isArray(doc.files)) throw new Error('no files list');
  return doc.files.map((f: Record<string, unknown>) => {
    const { url } = splitFragment(String(f.url), base);
    const hashes = (typeof f.hashes === 'object' && f.hashes !== null ? f.hashes : {}) as Record<string, unknown>;
    const sha = typeof hashes.sha256 === 'string' ? hashes.sha256.toLowerCase() : undefined;
    const yanked = f.yanked === true || (typeof f.yanked === 'string' ? f.yanked || true : false);
    return {
      filename: String(f.filename),
      url,
      ...(sha ? { sha256: sha } : {}),
      yanked,
      ...(typeof f['requires-python'] === 'string' ? { requiresPython: f['requires-python'] } : {}),
    };
  });
}

export function parseSimpleHtml(body: string, base: string): IndexFile[] {
  const out: IndexFile[] = [];
  const baseTag = /<base\s[^>]*href\s*=\s*("([^"]*)"|'([^']*)')/i.exec(body);
  const pageBase = baseTag ? new URL(unescapeHtml(baseTag[2] ?? baseTag[3] ?? ''), base).toString() : base;
  const re = /<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const attrs: Record<string, string> = {};
    const ar = /([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
    let a: RegExpExecArray | null;
    while ((a = ar.exec(m[1]!))) attrs[a[1]!.toLowerCase()] = unescapeHtml(a[3] ?? a[4] ?? a[5] ?? '');
    if (!attrs.href) continue;
    const text = unescapeHtml(m[2]!.replace(/<[^>]*>/g, '')).trim();
    const { url, sha256 } = splitFragment(attrs.href, pageBase);
    const filename = text || decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    const yanked = 'data-yanked' in attrs ? attrs['data-yanked'] || true : false;
    out.push({
      filename,
      url,
      ...(sha256 ? { sha256 } : {}),
      yanked,
      ...(attrs['data-requires-python'] ? { requiresPython: attrs['data-requires-python'] } : {}),
    });
  }
  return out;
}

/** Fetch and parse `<index>/<project>/`. Null when the index does not know the project (404). */
export async function fetchProjectPage(prefetcher: Prefetcher, index: string, project: string, pkg: string): Promise<{ url: string; files: IndexFile[] } | null> {
  const url = `${index.endsWith('/') ? index : `${index}/`}${project}/`;
  const res = await prefetcher.text({ url, pkg, accept: SIMPLE_ACCEPT });
  if (res.status === 404 || res.status === 410) return null;
  if (res.status === 401 || res.status === 403) {
    throw new Lock2nixError(`${pkg}: the index refused ${url} (HTTP ${res.status}); set its credentials in Poetry (poetry config http-basic.<source> ...), pip's configuration or ~/.netrc`);
  }
  if (res.status !== 200) throw new Lock2nixError(`${pkg}: cannot read the index page ${url}: HTTP ${res.status}`);
  const base = res.url || url;
  try {
    if (/json/i.test(res.contentType)) return { url, files: parseSimpleJson(res.body, base) };
    return { url, files: parseSimpleHtml(res.body, base) };
  } catch (e) {
    throw new Lock2nixError(`${pkg}: cannot parse the index page ${url}: ${(e as Error).message}`);
  }
}
