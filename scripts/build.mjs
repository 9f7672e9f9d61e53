// Bundles src/ into dist/ as one module graph in two parts, each module in exactly one of them:
// - kubectl-oidc.cjs: the cache hit (src/cli/main.ts and what it imports), one CommonJS file with no ESM loader, no code
//   splitting (Node's ESM loader costs a cold start ~5 ms). It exports every module it holds.
// - cli.js and get-token.js (ESM, split into chunks loaded when used): everything else. An import of a module the
//   hit file holds is answered by the hit file's copy, so classes (PluginError), stores and state exist once.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(new URL('..', import.meta.url).pathname);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  minify: true,
  legalComments: 'none',
  define: { __VERSION__: JSON.stringify(version) },
  external: ['keytar'],
  logLevel: 'warning',
};

// 1. Which modules the hit path holds, and which of them it initialises only when asked (dynamic imports): those
// stay lazy, or their imports (node:crypto, node:net…) would cost every cache hit.
const probe = await build({ ...common, format: 'cjs', entryPoints: ['src/cli/main.ts'], write: false, metafile: true });
const { inputs } = probe.metafile;
const held = Object.keys(inputs).filter((input) => input.startsWith('src/'));
const eager = new Set(['src/cli/main.ts']);
for (const input of eager) {
  for (const { path, kind } of inputs[input].imports) if (kind === 'import-statement' && path in inputs) eager.add(path);
}
const exportName = new Map(held.map((input, i) => [resolve(root, input), `m${i}`]));

// 2. The hit file, exporting each module's namespace (a function that loads it, for a lazy one) for the rest.
const hitEntry = [
  "export { main } from './src/cli/main.ts';",
  ...held.map((input, i) =>
    eager.has(input) ? `export * as m${i} from './${input}';` : `export const m${i} = () => import('./${input}');`,
  ),
].join('\n');
await build({
  ...common,
  format: 'cjs',
  stdin: { contents: hitEntry, resolveDir: root, sourcefile: 'hit-entry.ts', loader: 'ts' },
  outfile: 'dist/kubectl-oidc.cjs',
});

// 3. The rest, with every import of a held module answered by the hit file: the names each module exports, bound once
// (held modules are initialised when the hit file loads, and export no binding that changes later).
const HIT_FILE = './kubectl-oidc.cjs';
const hit = createRequire(import.meta.url)('../dist/kubectl-oidc.cjs');
const useHeldModules = {
  name: 'use-held-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
      if (args.path === HIT_FILE) return { path: HIT_FILE, external: true };
      const result = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'resolving',
      });
      const name = exportName.get(result.path);
      return name ? { path: result.path, namespace: 'held', pluginData: name } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'held' }, async ({ pluginData: name }) => {
      const lazy = typeof hit[name] === 'function';
      const names = Object.keys(lazy ? await hit[name]() : hit[name]);
      const module = `require(${JSON.stringify(HIT_FILE)}).${name}${lazy ? '()' : ''}`;
      return {
        contents: `const m = ${lazy ? 'await ' : ''}${module}; export const { ${names.join(', ')} } = m;`,
        resolveDir: root,
        loader: 'js',
      };
    });
  },
};
const rest = await build({
  ...common,
  format: 'esm',
  // commander and other CommonJS dependencies call require() for Node built-ins; the hit file is required too.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  entryPoints: { cli: 'src/cli/program.ts', 'get-token': 'src/cli/run-get-token.ts' },
  outdir: 'dist',
  splitting: true,
  // Beside the hit file, so that every chunk requires it by the same relative path.
  chunkNames: '[name]-[hash]',
  plugins: [useHeldModules],
  metafile: true,
});

// Dependencies the hit file holds are not exported (all of @noble/hashes would cost every hit its SHA-512 tables):
// the rest reaches them through our modules, never by importing them itself.
const twice = Object.keys(rest.metafile.inputs).filter((input) => input in inputs);
if (twice.length > 0) throw new Error(`modules bundled twice: ${twice.map((input) => relative(root, input)).join(', ')}`);
