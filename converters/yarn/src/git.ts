// Git URLs as Yarn writes them into lockfiles, and the URL lock2nix fetches them from.

import { urlPathname } from './names.ts';

const GIT_PROTOCOLS = new Set(['git:', 'git+ssh:', 'git+https:', 'git+http:', 'git+file:', 'ssh:']);
const GIT_HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.com', 'bitbucket.org']);

function protocolAndHost(u: string): { protocol: string; host: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)(?:\/\/(?:[^@/?#]*@)?([^/:?#]*))?/.exec(u);
  if (!m) return undefined;
  return { protocol: m[1]!.toLowerCase(), host: (m[2] ?? '').toLowerCase() };
}

/** Yarn 1's rule for a `resolved` URL that the git fetcher handles. */
export function isGitUrl(u: string): boolean {
  const ph = protocolAndHost(u);
  if (!ph) return false;
  if (GIT_PROTOCOLS.has(ph.protocol) || /^git\+.+:$/.test(ph.protocol)) return true;
  // (the path stops at the first '#' anyway: no need to cut the fragment off first)
  const path = urlPathname(u);
  if (!ph.host || !path) return false;
  if (path.endsWith('.git') || u.includes('.git#')) return true;
  if (GIT_HOSTS.has(ph.host)) return path.split('/').filter(Boolean).length === 2;
  return false;
}

/**
 * The URL to clone: `git+` dropped; scp-like `git@host:owner/repo` turned into ssh://; the public forges over
 * ssh fetched over https instead (same commits, no key needed).
 */
export function cloneUrl(u: string): string {
  let s = u.replace(/^git\+/, '');
  const scp = /^ssh:\/\/([^@/]+@)?([^/:]+):(?!\d+\/)(.*)$/.exec(s);
  if (scp) s = `ssh://${scp[1] ?? ''}${scp[2]}/${scp[3]}`;
  const forge = /^(?:ssh|git):\/\/(?:[^@/]+@)?(github\.com|gitlab\.com|bitbucket\.org)\/(.*)$/.exec(s);
  if (forge) s = `https://${forge[1]}/${forge[2]}`;
  return s;
}

export function isCommit(s: string | undefined): s is string {
  return s !== undefined && /^[0-9a-f]{40}$/.test(s);
}

/**
 * A Berry resolution Yarn fetches through its GitHub fetcher (plugin-github, tried before any clone): an
 * http(s) URL on github.com naming owner and repository, `.git` optional, with the locked commit in the
 * fragment (`#commit=<sha>`, or an old-style `#<sha>` / `#commit:<sha>`). Yarn downloads GitHub's archive of
 * that commit instead of cloning. Credentials in the URL are not kept: the archive is taken without them.
 */
export function githubRepo(reference: string): { owner: string; repo: string; treeish: string } | undefined {
  const m = /^https?:\/\/(?:[^/]+?@)?github\.com\/([^/#]+)\/([^/#]+?)(?:\.git)?(?:#(.*))?$/.exec(reference);
  if (!m) return undefined;
  const fragment = m[3] ?? '';
  const commit = new URLSearchParams(fragment).get('commit');
  return { owner: m[1]!, repo: m[2]!, treeish: commit || fragment.replace(/^[^:]*:/, '') };
}
