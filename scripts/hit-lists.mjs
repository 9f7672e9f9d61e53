// The option table's lists a hit depends on (src/hit/signature-lists.ts), put in place of the module that derives
// them, so that no hit reader loads or evaluates the table: for esbuild (scripts/build.mjs) and Bun (scripts/compile.mjs)
// alike. The lists are derived by the module itself, bundled and run here once.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

export const hitListsPlugin = async (root) => {
  const module = join(root, 'src', 'hit', 'signature-lists.ts');
  const { outputFiles } = await build({
    entryPoints: [module],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'warning',
  });
  const loaded = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(loaded, loaded.exports, createRequire(module));
  const contents = `export const LISTS = ${JSON.stringify(loaded.exports.LISTS)};\n`;
  return {
    name: 'hit-lists',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]hit[\\/]signature-lists\.ts$/ }, () => ({ contents, loader: 'js' }));
    },
  };
};
