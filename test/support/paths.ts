import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../../src/shell-quote.js';
import { driverSettings } from './drive-login.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Node entry of this checkout (npm's install runs it, or the launcher in front of it). */
export const NODE_ENTRY = join(REPO_ROOT, 'bin', 'kubectl-oidc');
/**
 * The plugin the end-to-end tests run: the Node entry, or what KUBECTL_OIDC_PLUGIN names (the compiled executable:
 * `.ci/run` runs the core files against build/linux-amd64/kubectl-oidc with Node hidden from it).
 */
export const PLUGIN_BIN = process.env.KUBECTL_OIDC_PLUGIN ? resolve(process.env.KUBECTL_OIDC_PLUGIN) : NODE_ENTRY;
/** Whether the tests run the compiled executable rather than the Node entry. */
export const PLUGIN_IS_EXECUTABLE = PLUGIN_BIN !== NODE_ENTRY;
export const BROWSER_DRIVER = join(REPO_ROOT, 'test', 'support', 'browser-driver.mjs');

/**
 * --browser-command takes one executable that gets the URL: a tiny wrapper with the login's settings baked in (the
 * driver is detached from the plugin, so it cannot inherit them per run). In a test run it hands the URL to the run's
 * driver service (test/support/browser-server.ts) over bash's /dev/tcp and waits for its verdict: no Node process
 * (~0.1 s of CPU) per login. Elsewhere (the demo) it runs the headless-Chromium driver. Its pid is recorded so that a
 * test can wait for it to finish before removing the directory.
 */
export const writeBrowserCommand = (dir: string, env: Record<string, string> = {}): string => {
  const path = join(dir, 'browser-driver.sh');
  const record = `echo $$ >>'${join(dir, 'browser-driver.pids')}'\n`;
  const service = process.env.DRIVER_SERVICE ? new URL(process.env.DRIVER_SERVICE) : undefined;
  if (service) {
    const request = JSON.stringify({ settings: driverSettings(env), result: env.DRIVER_RESULT });
    writeFileSync(
      path,
      `#!/bin/bash\n${record}LC_ALL=C\nbody=${shellQuote(request)}$'\\n'"$1"\n` +
        `exec 3<>/dev/tcp/${service.hostname}/${service.port} || exit 1\n` +
        `printf 'POST / HTTP/1.0\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\n\\r\\n%s' "\${#body}" "$body" >&3\n` +
        `read -r _ status _ <&3\n[ "$status" = 200 ]\n`,
    );
  } else {
    // The browser needs no session bus, and a test's fake or silent one would only slow Chromium down.
    const exports = Object.entries(env)
      .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
      .join('');
    writeFileSync(
      path,
      `#!/bin/sh\nunset DBUS_SESSION_BUS_ADDRESS\n${record}${exports}exec ` +
        `'${process.execPath}' '${BROWSER_DRIVER}' "$@" >>'${join(dir, 'browser-driver.log')}' 2>&1\n`,
    );
  }
  chmodSync(path, 0o755);
  return path;
};

/** Exit status of the stand-in for Node in a test launcher: a run that reached "node" ends with it. */
export const FAKE_NODE_STATUS = 42;

/**
 * A sh launcher for tests (the one npm's install writes) whose "node" only exits with FAKE_NODE_STATUS: a hit answers
 * without it, anything else shows that it went to Node.
 */
export const writeTestLauncher = async (dir: string, node?: string): Promise<string> => {
  const { launcherScript } = await import('../../src/launcher/script.js');
  const fakeNode = join(dir, 'fake-node');
  writeFileSync(fakeNode, `#!/bin/sh\nexit ${FAKE_NODE_STATUS}\n`, { mode: 0o755 });
  const path = join(dir, node ? 'launcher-node.sh' : 'launcher-no-node.sh');
  writeFileSync(path, launcherScript({ node: node ?? fakeNode, entry: PLUGIN_BIN }), { mode: 0o755 });
  return path;
};
