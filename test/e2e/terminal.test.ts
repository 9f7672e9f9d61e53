import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { startTerminal } from '../support/terminal.js';
import { newWorkspace, useStack, type Workspace } from './harness.js';
import { e2eEnabled, tmuxAvailable } from './requirements.js';

const enabled = e2eEnabled();
const tmux = tmuxAvailable(enabled);

const INTERACTIVE = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: true } });

/**
 * Runs a command as a child of this and records how it ended in a file: tmux's own record of a pane's exit status is
 * lost now and then when the terminal closes before the process is reaped. This waits out the terminal's Ctrl-C (the
 * child, in the same process group, gets it too).
 */
const RECORDER = `const { spawn } = require('node:child_process');
const { openSync, writeFileSync } = require('node:fs');
const { constants } = require('node:os');
const [status, out, command, ...args] = process.argv.slice(1);
process.on('SIGINT', () => undefined);
spawn(command, args, { stdio: ['inherit', openSync(out, 'w'), 'inherit'] }).on('exit', (code, signal) =>
  writeFileSync(status, String(code ?? 128 + constants.signals[signal])),
);`;

/** The plugin in a real terminal, and how it ended (a file the recorder writes). */
const inTerminal = (ws: Workspace, args: string[]) => {
  const status = join(ws.dir, `status-${Math.random().toString(36).slice(2, 8)}`);
  const environment = `KUBERNETES_EXEC_INFO='${INTERACTIVE}' HOME='${ws.dir}' DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent`;
  const quoted = [status, join(ws.dir, 'stdout'), PLUGIN_BIN, ...args].map((a) => `'${a}'`).join(' ');
  const terminal = startTerminal(`env ${environment} '${process.execPath}' -e "${RECORDER.replace(/"/g, '\\"')}" ${quoted}`);
  return {
    ...terminal,
    exitStatus: (): Promise<number> =>
      vi.waitFor(
        () => {
          if (!existsSync(status)) throw new Error('still running');
          return Number(readFileSync(status, 'utf8'));
        },
        { timeout: 10_000, interval: 50 },
      ),
  };
};

describe.skipIf(!tmux)('what a terminal shows while the plugin waits', () => {
  const stack = useStack();

  it('the time left counts down in place under the URL; Ctrl-C ends it on a fresh line with one message, exit 130', async () => {
    const ws = newWorkspace(stack);
    const terminal = inTerminal(ws, [...ws.pluginArgs.filter((a) => !a.startsWith('--browser-command')), '--skip-open-browser']);
    try {
      await terminal.shows(/http:\/\/localhost:\d+\//);
      const first = await terminal.shows(/waiting for you to log in: \d+:\d\d left · Ctrl-C cancels/);
      // Redrawn, not repeated: a later second replaces the line.
      await vi.waitFor(() => expect(terminal.screen()).not.toContain(first), { timeout: 5_000, interval: 100 });
      expect(terminal.screen().match(/waiting for you to log in/g)).toHaveLength(1);
      terminal.keys('C-c');
      expect(await terminal.exitStatus(), terminal.screen()).toBe(130);
      const lines = terminal
        .screen()
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('Pane is dead'));
      expect(lines.at(-1)).toBe('kubectl-oidc: cancelled by SIGINT; the session cache is as it was');
      expect(terminal.screen()).not.toContain('waiting for you to log in');
      expect(terminal.screen().match(/cancelled by SIGINT/g)).toHaveLength(1);
    } finally {
      terminal.close();
      await ws.cleanup();
    }
  });

  it('the device code on a line of its own, bold unless --no-color; Ctrl-C at the keyboard login says cancelled, not "no code was pasted"', async () => {
    const ws = newWorkspace(stack);
    const base = ws.pluginArgs.filter((a) => !a.startsWith('--browser-command'));
    const device = inTerminal(ws, [...base, '--grant-type=device-code', '--skip-open-browser']);
    try {
      await device.shows(/enter the code\n\n {8}[A-Z]{4}-[A-Z]{4}\n/);
      const BOLD = '\x1b[1m';
      expect(device.screen(true)).toMatch(new RegExp(` {8}${BOLD.replace('[', '\\[')}[A-Z]{4}-[A-Z]{4}`)); // bold on a terminal
      device.keys('C-c');
      expect(await device.exitStatus()).toBe(130);
    } finally {
      device.close();
    }
    const plain = inTerminal(ws, [...base, '--grant-type=device-code', '--skip-open-browser', '--no-color']);
    try {
      await plain.shows(/enter the code\n\n {8}[A-Z]{4}-[A-Z]{4}\n/);
      expect(plain.screen(true)).toMatch(/\n {8}[A-Z]{4}-[A-Z]{4}/);
      plain.keys('C-c');
      expect(await plain.exitStatus()).toBe(130);
    } finally {
      plain.close();
    }
    const keyboard = inTerminal(ws, [...base, '--grant-type=authcode-keyboard', '--skip-open-browser']);
    try {
      await keyboard.shows(/code or URL: $/m);
      keyboard.keys('C-c');
      expect(await keyboard.exitStatus()).toBe(130);
      expect(keyboard.screen()).toContain('kubectl-oidc: cancelled by SIGINT; the session cache is as it was');
      expect(keyboard.screen()).not.toContain('no code was pasted');
    } finally {
      keyboard.close();
      await ws.cleanup();
    }
  });

  it("setup's verdict marks in colour on a terminal (✓ green), none with --no-color", async () => {
    const ws = newWorkspace(stack);
    const args = [
      'setup',
      `--oidc-issuer-url=${stack.idp.issuer}`,
      `--oidc-client-id=${TEST_CLIENT_ID}`,
      `--certificate-authority=${stack.certs.caFile}`,
      `--token-cache-dir=${ws.cacheDir}`,
      '--grant-type=password',
      '--username=tess',
    ];
    const environment = `HOME='${ws.dir}' KUBECTL_OIDC_PASSWORD='${TEST_PASSWORD}' DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent`;
    const report = async (extra: string[]): Promise<string> => {
      const terminal = startTerminal(`env ${environment} '${PLUGIN_BIN}' ${[...args, ...extra].map((a) => `'${a}'`).join(' ')}`);
      try {
        await terminal.ended();
        return terminal.screen(true);
      } finally {
        terminal.close();
      }
    };
    try {
      const GREEN = '\x1b[32m';
      const coloured = await report([]);
      expect(coloured).toContain('✓');
      expect(coloured).toContain(`${GREEN}✓`);
      const plain = await report(['--no-color']);
      expect(plain).toContain('✓');
      expect(plain).not.toContain(GREEN);
    } finally {
      await ws.cleanup();
    }
  });
});
