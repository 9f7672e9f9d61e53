import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium } from '../support/chromium.mjs';
import { secretServiceAvailable } from '../support/keyring.js';
import { lemonldapMissing } from '../support/lemonldap.js';
import { PLUGIN_BIN, PLUGIN_IS_EXECUTABLE, REPO_ROOT } from '../support/paths.js';

export const KUBECTL = process.env.KUBECTL || 'kubectl';

const works = (command: string, args: string[]): boolean => {
  try {
    execFileSync(command, args, { stdio: 'ignore', cwd: REPO_ROOT });
    return true;
  } catch {
    return false;
  }
};

/** Beyond Chromium and kubectl: a Secret Service, or LemonLDAP::NG (an independent OpenID Provider). */
export interface E2eNeeds {
  keyring?: boolean;
  lemonldap?: boolean;
}

/** What the end-to-end tests need that a developer laptop may lack. */
export const missingForE2E = (needs: E2eNeeds = {}): string[] => {
  const missing: string[] = [];
  const lemonldap = needs.lemonldap ? lemonldapMissing() : undefined;
  if (lemonldap) missing.push(lemonldap);
  if (needs.keyring && !secretServiceAvailable()) {
    missing.push('a Secret Service and its client (apt-get install dbus-daemon gnome-keyring libsecret-tools)');
  }
  if (!findChromium()) missing.push('Chromium (apt-get install chromium-headless-shell, or set CHROMIUM_PATH)');
  if (!works(KUBECTL, ['version', '--client'])) missing.push(`kubectl (looked for "${KUBECTL}"; set KUBECTL)`);
  if (!works('openssl', ['version'])) missing.push('openssl');
  // .ci/run hides Node from the executable's run: make sure it is hidden, or that run proves nothing.
  if (process.env.KUBECTL_OIDC_NODE_HIDDEN === '1' && works('node', ['-e', '0'])) {
    missing.push('Node hidden from the plugin (KUBECTL_OIDC_NODE_HIDDEN=1), but `node` on PATH still runs');
  }
  if (PLUGIN_IS_EXECUTABLE) {
    if (!existsSync(PLUGIN_BIN)) missing.push(`the executable KUBECTL_OIDC_PLUGIN names (${PLUGIN_BIN}; npm run compile)`);
  } else if (!existsSync(join(REPO_ROOT, 'dist', 'kubectl-oidc.cjs'))) {
    missing.push('the build (npm run build)');
  }
  return missing;
};

/**
 * true when the end-to-end tests can run. Where something is missing they are skipped with a loud message,
 * except under REQUIRE_E2E=1 (CI), where the suite fails instead.
 */
export const e2eEnabled = (needs: E2eNeeds = {}): boolean => {
  const missing = missingForE2E(needs);
  if (missing.length === 0) return true;
  const message = `END-TO-END TESTS CANNOT RUN: missing ${missing.join('; ')}`;
  if (process.env.REQUIRE_E2E === '1') throw new Error(`${message} (REQUIRE_E2E=1)`);
  process.stderr.write(`\n\x1b[41;97m ${message} — SKIPPING THEM \x1b[0m\n\n`);
  return false;
};

/**
 * Whether a tool that only some end-to-end tests use is there (tmux, to type into a real terminal; zsh), checked by
 * running `command args`. Under REQUIRE_E2E=1 (CI) a missing one fails the suite instead of skipping those tests.
 */
export const toolAvailable = (enabled: boolean, command: string, args: string[], debianPackage = command): boolean => {
  if (!enabled) return false;
  if (works(command, args)) return true;
  const message = `${command} is missing (apt-get install ${debianPackage})`;
  if (process.env.REQUIRE_E2E === '1') throw new Error(`${message} and REQUIRE_E2E=1`);
  process.stderr.write(`\n\x1b[41;97m ${message}: the tests that need it are SKIPPED \x1b[0m\n\n`);
  return false;
};

export const tmuxAvailable = (enabled: boolean): boolean => toolAvailable(enabled, 'tmux', ['-V']);
