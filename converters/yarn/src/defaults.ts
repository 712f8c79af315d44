// Canonical public endpoints of the npm ecosystem. The only place they are written.

/** The npm registry Yarn 1 and npm use unless configured otherwise. */
export const NPM_REGISTRY = 'https://registry.npmjs.org';
/** Yarn's alias for the npm registry: Yarn 1 writes it into `resolved`, Berry uses it as `npmRegistryServer`. */
export const YARN_REGISTRY = 'https://registry.yarnpkg.com';
/** Hosts that serve the same bytes as the npm registry. */
export const NPM_REGISTRY_HOSTS: readonly string[] = ['registry.npmjs.org', 'registry.yarnpkg.com'];
/**
 * GitHub, where Yarn (Berry) downloads a GitHub git dependency from: `<GITHUB>/<owner>/<repo>/archive/<commit>.tar.gz`
 * (GitHub's source archive; overridden with LOCK2NIX_YARN_GITHUB_URL).
 */
export const GITHUB = 'https://github.com';
