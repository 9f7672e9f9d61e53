// The option table's lists a hit depends on (src/hit/signature-lists.ts), put in place of the module that derives
// them, so that no hit reader loads or evaluates the table: for esbuild (scripts/build.mjs) and Bun (scripts/compile.mjs)
// alike, and as C arrays for the native launcher (scripts/native-launcher.mjs). The lists are derived by the modules
// themselves, bundled and run here once.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The lists (signature-lists.ts's LISTS) and the spellings of false (signature.ts), as plain values. */
export const hitLists = async (root) => {
  const dir = join(root, 'src', 'hit');
  const { outputFiles } = await build({
    stdin: {
      contents: `export { LISTS } from './signature-lists.ts'; export { FALSE_SPELLINGS } from './signature.ts';`,
      resolveDir: dir,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'warning',
  });
  const loaded = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(loaded, loaded.exports, createRequire(join(dir, 'x.js')));
  return { ...loaded.exports.LISTS, falseSpellings: loaded.exports.FALSE_SPELLINGS };
};

export const hitListsPlugin = async (root) => {
  const { falseSpellings: _, ...lists } = await hitLists(root);
  const contents = `export const LISTS = ${JSON.stringify(lists)};\n`;
  return {
    name: 'hit-lists',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]hit[\\/]signature-lists\.ts$/ }, () => ({ contents, loader: 'js' }));
    },
  };
};
