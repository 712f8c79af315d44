// Bundle the action into dist/ at the repository root (committed: the runner does no install):
//   dist/index.js            the entry point, ESM, every dependency inside
//   dist/templates/lib/*.nix  the core builders lock2nix copies into the user's output folder
// `node action/build.ts --out DIR` writes elsewhere (the dist test builds into a temporary folder and compares).
// `node action/build.ts --rev HEAD` bundles the workspace sources as committed in that revision, not as they
// are in the working tree (in a shared checkout, other people's unfinished edits stay out of dist/).
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** A workspace file's text: from the working tree, or as committed in `rev`. */
async function source(path: string, rev: string | undefined): Promise<string> {
  if (!rev) return readFile(path, 'utf8');
  const rel = relative(ROOT, path).split(sep).join('/');
  return (await run('git', ['show', `${rev}:${rel}`], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** Where lock2nix finds templates/: next to the bundle, not through node_modules (there are none). */
function templatesNextToBundle(path: string, src: string): string {
  const from = "import.meta.resolve('@lock2nix/templates/package.json')";
  if (!src.includes(from)) throw new Error(`${path}: expected ${from}; update action/build.ts`);
  return src.replace(from, "new URL('./templates/package.json', import.meta.url).href");
}

/**
 * Workspace sources are read here (from the working tree or a revision). Those that load a CommonJS package
 * with `createRequire(import.meta.url)('pkg')` get a static import instead, so the package ends up inside the
 * bundle.
 */
const workspaceSources = (rev: string | undefined): Plugin => ({
  name: 'workspace-sources',
  setup(b) {
    // the workspace packages' sources, and the scripts the core builders run that the converters import too
    b.onLoad({ filter: /[\\/](core|cli|action|converters[\\/][^\\/]+)[\\/]src[\\/].+\.m?[tj]s$|[\\/]templates[\\/]lib[\\/][^\\/]+\.mjs$/ }, async (args) => {
      if (args.path.includes('node_modules')) return undefined;
      let src = await source(args.path, rev);
      if (/cli[\\/]src[\\/]project\.ts$/.test(args.path)) src = templatesNextToBundle(args.path, src);
      // a script's "am I the main module?" check compares import.meta.url with argv[1]; in the bundle every
      // module's import.meta.url is the bundle's, so make that comparison false
      src = src.split('\n').map((l) => (l.includes('process.argv[1]') ? l.replaceAll('import.meta.url', "('bundled:' + import.meta.url)") : l)).join('\n');
      const imports: string[] = [];
      src = src.replace(/createRequire\(import\.meta\.url\)\((['"])([^'"]+)\1\)/g, (_m, _q, spec: string) => {
        const id = `__lock2nixBundled${imports.length}`;
        imports.push(`import ${id} from ${JSON.stringify(spec)};`);
        return id;
      });
      return { contents: imports.length ? `${imports.join('\n')}\n${src}` : src, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
});

/**
 * Optional dependencies of third-party packages that are not installed (e.g. the HTTP client @yarnpkg/core
 * loads only for network access, which lock2nix never asks of it) stay outside the bundle: loading them fails
 * only if that code path ever runs.
 */
const optionalMissing: Plugin = {
  name: 'optional-missing',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'optional-missing' || !args.importer.includes('node_modules')) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'optional-missing' });
      return r.errors.length ? { path: args.path, external: true } : undefined;
    });
  },
};

export async function buildAction(outDir: string, opts: { rev?: string } = {}): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'action/src/main.ts')],
    outfile: join(outDir, 'index.js'),
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    // ESM builds first: some packages' CommonJS builds are UMD wrappers esbuild cannot follow
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'node24',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [workspaceSources(opts.rev), optionalMissing],
    // CommonJS dependencies inside an ES module bundle still use require, __filename and __dirname
    banner: {
      js: [
        "import { createRequire as __lock2nixCreateRequire } from 'node:module';",
        "import { fileURLToPath as __lock2nixFileURLToPath } from 'node:url';",
        'const require = __lock2nixCreateRequire(import.meta.url);',
        'const __filename = __lock2nixFileURLToPath(import.meta.url);',
        "const __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');",
      ].join('\n'),
    },
  });
  await mkdir(join(outDir, 'templates'), { recursive: true });
  // what lock2nix copies into an output folder: the builders and the scripts they run, not type declarations
  const shipped = (p: string) => !p.includes('node_modules') && !p.endsWith('.d.mts');
  if (opts.rev) {
    const names = (await run('git', ['ls-tree', '-r', '--name-only', opts.rev, 'templates/lib/'], { cwd: ROOT })).stdout.split('\n').filter(Boolean).filter(shipped);
    for (const n of names) {
      const dest = join(outDir, 'templates', n.slice('templates/'.length));
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, await source(join(ROOT, n), opts.rev));
    }
  } else {
    await cp(join(ROOT, 'templates/lib'), join(outDir, 'templates/lib'), { recursive: true, filter: shipped });
  }
  await writeFile(join(outDir, 'templates/package.json'), `${JSON.stringify({ name: '@lock2nix/templates', private: true }, null, 2)}\n`);
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, rev: { type: 'string' } } });
  const out = values.out ?? join(ROOT, 'dist');
  await buildAction(out, values.rev ? { rev: values.rev } : {});
  process.stdout.write(`built ${join(out, 'index.js')}${values.rev ? ` from ${values.rev}` : ''}\n`);
}
