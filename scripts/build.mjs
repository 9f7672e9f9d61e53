// Bundles src/ into dist/. kubectl-oidc.cjs serves a cache hit on its own: one CommonJS module (Node's ESM loader
// costs a cold start ~5 ms), no code splitting, nothing it does not need. A refresh or login loads get-token.js, anything
// else cli.js (the full command line interface); both share chunks of network, login and setup code, imported when used.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  minify: true,
  legalComments: 'none',
  define: { __VERSION__: JSON.stringify(version) },
  // commander and other CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  external: ['keytar'],
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, format: 'cjs', banner: {}, entryPoints: { 'kubectl-oidc': 'src/main.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, splitting: false }),
  build({ ...common, entryPoints: { cli: 'src/cli/main.ts', 'get-token': 'src/cli/run-get-token.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]' }),
]);
