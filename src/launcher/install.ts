import { chmodSync, copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../shell-quote.js';

/**
 * Run by npm after an install (bin/postinstall.cjs) on Linux and macOS: the installed `kubectl-oidc` becomes the sh
 * launcher (dist/launcher.sh.in, made at build time from src/launcher/script.ts, with this node and this package's
 * paths filled in), and the Node entry moves beside it as `kubectl-oidc-node`, which the launcher execs for anything
 * but a hit. npm's link to bin/kubectl-oidc then runs the launcher. Swapped in with a rename: never half a file.
 */
export const install = (root: string, node: string): void => {
  const bin = join(root, 'bin', 'kubectl-oidc');
  const nodeEntry = join(root, 'bin', 'kubectl-oidc-node');
  if (readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')) {
    copyFileSync(bin, nodeEntry);
    chmodSync(nodeEntry, 0o755);
  }
  const script = readFileSync(join(root, 'dist', 'launcher.sh.in'), 'utf8')
    .replace(shellQuote('@NODE@'), () => shellQuote(node))
    .replace(shellQuote('@ENTRY@'), () => shellQuote(nodeEntry));
  const temp = `${bin}.${process.pid}.tmp`;
  writeFileSync(temp, script, { mode: 0o755 });
  renameSync(temp, bin);
};
