// npm runs this after installing kubectl-oidc: on Linux and macOS the installed command becomes the sh launcher, which
// answers a cache hit without starting Node (dist/install-launcher.cjs). Nothing happens in a development checkout
// (src/ is there), on Windows, or with --ignore-scripts, and a failure only keeps the Node entry as it is.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
if (process.platform !== 'win32' && !existsSync(join(root, 'src')) && existsSync(join(root, 'dist', 'install-launcher.cjs'))) {
  try {
    require('../dist/install-launcher.cjs').install(root, process.execPath);
  } catch (err) {
    console.warn(`kubectl-oidc: keeping the Node entry (${err instanceof Error ? err.message : String(err)})`);
  }
}
