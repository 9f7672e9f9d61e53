// Bundles src/ into dist/ as one module graph, each module in exactly one file:
// - kubectl-oidc.cjs: the disk cache hit (src/cli/main.ts and what it imports), one CommonJS file: no ESM loader (a
//   cold start ~5 ms), nothing a hit does not run (every KB costs a cold start ~0.2 ms of compiling).
// - keyring.cjs: what a keyring hit adds (src/session/keyring-store.ts: the sealing key, the OS keychain, the lock),
//   CommonJS too, required by the first only for keyring storage.
// - cli.js and get-token.js (ESM, split into chunks loaded when used): everything else.
// Each file exports the modules it holds; a later file that imports one of them gets that copy, never one of its own,
// so classes (PluginError), stores and state exist once.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { hitListsPlugin } from './hit-lists.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const requireDist = createRequire(resolve(root, 'dist', 'x.js'));
rmSync(resolve(root, 'dist'), { recursive: true, force: true });
// The hit's lists as constants: no hit reader loads the option table.
const hitLists = await hitListsPlugin(root);

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  minify: process.env.NO_MINIFY !== '1',
  legalComments: 'none',
  define: { __VERSION__: JSON.stringify(version) },
  external: ['@napi-rs/keyring'],
  logLevel: 'warning',
};

/** The CommonJS files, in load order: each entry, and the entries of later files it may load. */
const LAYERS = [
  { file: 'hit.cjs', entry: 'src/hit/node-hit.ts' },
  { file: 'kubectl-oidc.cjs', entry: 'src/cli/node-main.ts' },
  { file: 'keyring.cjs', entry: 'src/session/keyring-store.ts' },
];

/** Module path → where it is held: the file and the export that carries its namespace (or a loader, when lazy). */
const held = new Map();

/** Answers imports of modules earlier files hold (and of later files' entries) from those files. */
const useHeldModules = (layerEntries, holders = new Set(LAYERS.map((layer) => layer.file))) => ({
  name: 'use-held-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
      if (args.namespace === 'held' || args.namespace === 'later') return { path: args.path, external: true };
      const { path } = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'resolving',
      });
      if (layerEntries.has(path)) return { path, namespace: 'later' };
      return holders.has(held.get(path)?.file) ? { path, namespace: 'held' } : undefined;
    });
    // A later file, as a CommonJS module of this one: its import() stays a lazy require(), since Node's import() of a
    // file would start the ESM loader.
    b.onLoad({ filter: /.*/, namespace: 'later' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(`./${layerEntries.get(path)}`)});`,
      resolveDir: root,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'held' }, async ({ path }) => {
      const { file, name } = held.get(path);
      const holder = requireDist(`./${file}`);
      const lazy = typeof holder[name] === 'function';
      const names = Object.keys(lazy ? await holder[name]() : holder[name]);
      const module = `require(${JSON.stringify(`./${file}`)}).${name}${lazy ? '()' : ''}`;
      const named = names.filter((n) => n !== 'default');
      const fallback = names.includes('default') ? ' export default m.default;' : '';
      return {
        contents: `const m = ${lazy ? 'await ' : ''}${module}; export const { ${named.join(', ')} } = m;${fallback}`,
        resolveDir: root,
        loader: 'js',
      };
    });
  },
});

const cjs = { ...common, format: 'cjs' };
/** Held modules that a later file or the rest imports: only those are exported (every export costs the hit bytes). */
const used = new Set();
const noteUse = (metafile) => {
  for (const input of Object.keys(metafile.inputs)) if (input.startsWith('held:')) used.add(input.slice('held:'.length));
};

/** Builds one CommonJS file, exporting its entry's exports and those of its modules that `exported` admits. */
const buildLayer = async (index, exported) => {
  const { file, entry } = LAYERS[index];
  const later = new Map(LAYERS.slice(index + 1).map((layer) => [resolve(root, layer.entry), layer.file]));
  const plugins = [hitLists, useHeldModules(later, new Set(LAYERS.slice(0, index).map((layer) => layer.file)))];
  // Which of our modules this file holds, and which of them it initialises only when asked (dynamic imports): those
  // stay lazy, or their imports (node:crypto, node:net…) would cost every hit.
  const probe = await build({ ...cjs, entryPoints: [entry], write: false, metafile: true, plugins });
  const { inputs } = probe.metafile;
  const own = Object.keys(inputs).filter((input) => input.startsWith('src/'));
  const eager = new Set([entry]);
  for (const input of eager) {
    for (const { path, kind } of inputs[input].imports) if (kind === 'import-statement' && path in inputs) eager.add(path);
  }
  // Dependencies are never exported (all of @noble/hashes would build its SHA-512 tables on every hit): later files
  // reach them through our modules.
  const prefix = `h${index}_`;
  const exports = own.flatMap((input, i) => {
    if (!exported(resolve(root, input))) return [];
    return [eager.has(input) ? `export * as ${prefix}${i} from './${input}';` : `export const ${prefix}${i} = () => import('./${input}');`];
  });
  const result = await build({
    ...cjs,
    stdin: {
      contents: [`export * from './${entry}';`, ...exports].join('\n'),
      resolveDir: root,
      sourcefile: `${file}-entry.ts`,
      loader: 'ts',
    },
    outfile: `dist/${file}`,
    plugins,
    metafile: true,
  });
  noteUse(result.metafile);
  for (const [i, input] of own.entries()) held.set(resolve(root, input), { file, name: `${prefix}${i}` });
};

// 1. The CommonJS files in load order, each exporting all its modules, so that later files can import any of them.
for (const index of LAYERS.keys()) await buildLayer(index, () => true);

// 2. The rest, with every import of a held module answered by the file that holds it.
const rest = await build({
  ...common,
  format: 'esm',
  // commander and other CommonJS dependencies call require() for Node built-ins; the held modules are required too.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  entryPoints: { cli: 'src/cli/program.ts', 'get-token': 'src/cli/run-get-token.ts' },
  outdir: 'dist',
  splitting: true,
  // Beside the CommonJS files, so that every chunk requires them by the same relative path.
  chunkNames: '[name]-[hash]',
  plugins: [hitLists, useHeldModules(new Map())],
  metafile: true,
});
noteUse(rest.metafile);

// 3. The CommonJS files again, exporting only what is imported from them (same export names: the rest is unchanged).
for (const index of LAYERS.keys()) await buildLayer(index, (path) => used.has(path));

// 4. The sh launcher, from the option table (src/launcher/script.ts): with placeholders for the paths npm's install
//    fills in, and as release archives ship it (the compiled executable beside it); and what npm runs after an
//    install (bin/postinstall.cjs), which needs nothing else.
const generator = await build({ ...cjs, entryPoints: ['src/launcher/script.ts'], write: false });
const generated = { exports: {} };
new Function('module', 'exports', 'require', generator.outputFiles[0].text)(generated, generated.exports, requireDist);
writeFileSync(resolve(root, 'dist', 'launcher.sh.in'), generated.exports.launcherScript({ node: '@NODE@', entry: '@ENTRY@' }));
writeFileSync(resolve(root, 'dist', 'launcher-executable.sh'), generated.exports.launcherScript('executable'));
writeFileSync(resolve(root, 'dist', 'complete-executable.sh'), generated.exports.completionHookScript());
await build({ ...cjs, entryPoints: ['src/launcher/install.ts'], outfile: 'dist/install-launcher.cjs' });

const twice = Object.keys(rest.metafile.inputs).filter((input) => held.has(resolve(root, input)));
if (twice.length > 0) throw new Error(`modules bundled twice: ${twice.map((input) => relative(root, input)).join(', ')}`);

// 5. Budgets for what each run loads, the cache hit first: a stray import on the hit path fails the build here, with the
//    figures (npm test builds, so CI checks them). Raise a budget only with the bench's word that the hit stays fast.
const KIB = 1024;
const BUDGETS = [
  // Served by Node before anything else: the hit's lists as constants, without the option table.
  { file: 'hit.cjs', bytes: 12 * KIB, requires: ['node:fs', 'node:path'] },
  // A hit from the session store when there is no hit file (after a reboot): with the option table, which hit.cjs held
  // before (both files together are the same size as before).
  { file: 'kubectl-oidc.cjs', bytes: 44 * KIB },
  { file: 'keyring.cjs', bytes: 20 * KIB }, // what a keyring hit adds
  { file: 'cli.js', bytes: 64 * KIB },
];
const over = [];
for (const { file, bytes, requires } of BUDGETS) {
  const text = readFileSync(resolve(root, 'dist', file), 'utf8');
  const size = Buffer.byteLength(text);
  const loaded = [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]))].sort();
  const stray = requires ? loaded.filter((module) => !requires.includes(module)) : [];
  const line = `dist/${file}: ${(size / KIB).toFixed(1)} KiB of ${bytes / KIB} KiB${requires ? `; requires ${loaded.join(', ')}` : ''}`;
  console.log(line);
  if (size > bytes || stray.length > 0)
    over.push(`${line}${stray.length > 0 ? ` (not allowed on the hit path: ${stray.join(', ')})` : ''}`);
}
if (over.length > 0) {
  console.error(`build outputs over budget:\n${over.join('\n')}`);
  process.exit(1);
}
