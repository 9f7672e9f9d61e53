import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { startTerminal } from '../support/terminal.js';
import { e2eEnabled, KUBECTL, tmuxAvailable, toolAvailable } from './requirements.js';

const enabled = e2eEnabled();
const tmux = tmuxAvailable(enabled);
const zsh = toolAvailable(enabled, 'zsh', ['-fc', 'true']);
const fish = toolAvailable(enabled, 'fish', ['--no-config', '-c', 'true']);

// kubectl-oidc and kubectl_complete-oidc from this checkout, and the kubectl the suite uses.
const PATH = [
  dirname(PLUGIN_BIN),
  dirname(execFileSync('sh', ['-c', `command -v ${KUBECTL}`], { encoding: 'utf8' }).trim()),
  process.env.PATH,
].join(':');

/** An interactive shell in a real terminal: what a line becomes when Tab is pressed after it. */
const interactiveShell = (command: string, setup: string) => {
  const terminal = startTerminal(`env PATH='${PATH}' PS1='$ ' PROMPT='$ ' ${command}`, 220, 30);
  const lastLine = (): string => terminal.screen().trimEnd().split('\n').at(-1) ?? '';
  const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 20_000, interval: 50 });
  terminal.type(`${setup}; echo completion-ready`);
  terminal.keys('Enter');
  const ready = terminal.shows(/^completion-ready$/m);
  return {
    /** Types `typed` on a fresh line, presses Tab, and answers the line once it has changed. */
    tab: async (typed: string): Promise<string> => {
      await ready;
      terminal.keys('C-u');
      terminal.type(typed);
      await waitFor(() => expect(lastLine()).toBe(`$ ${typed}`));
      terminal.keys('Tab');
      const line = await waitFor(() => {
        const now = lastLine();
        if (now === `$ ${typed}`) throw new Error('not completed yet');
        return now;
      });
      return line.slice(2).trimEnd(); // tmux's capture drops the space a completion adds
    },
    /** Types `typed` on a fresh line and presses Tab; answers once the screen lists `candidate` once more. */
    list: async (typed: string, candidate: string): Promise<string> => {
      await ready;
      terminal.keys('C-u');
      terminal.type(typed);
      await waitFor(() => expect(lastLine()).toBe(`$ ${typed}`));
      const count = (): number => terminal.screen().split(candidate).length;
      const before = count();
      terminal.keys('Tab');
      await waitFor(() => expect(count()).toBeGreaterThan(before));
      const screen = terminal.screen();
      terminal.keys('C-c');
      await waitFor(() => expect(lastLine()).toBe('$'));
      return screen;
    },
    close: terminal.close,
  };
};

describe.skipIf(!enabled)('shell completion', () => {
  it('kubectl completes `kubectl oidc …` through kubectl_complete-oidc (its plugin protocol)', async () => {
    const result = await run(KUBECTL, ['__complete', 'oidc', 'get-token', '--grant-type=dev'], { env: { ...process.env, PATH } });
    expect(result.code, result.stderr).toBe(0);
    // Bare values, as kubectl's own flags answer (kubectl __complete get --output= → json): kubectl's shell scripts keep
    // the `--grant-type=` the user typed and would double a prefixed answer.
    expect(result.stdout.split('\n')).toEqual(['device-code', ':4', '']);
  });

  const shells = [
    [
      'bash',
      'bash --norc --noprofile',
      // show-all-if-ambiguous: the first Tab lists, as in zsh and fish.
      ". /usr/share/bash-completion/bash_completion; bind 'set show-all-if-ambiguous on'; source <(kubectl-oidc completion bash); source <(kubectl completion bash)",
      tmux,
    ],
    [
      'zsh',
      'zsh -f',
      'autoload -U compinit && compinit -u && source <(kubectl-oidc completion zsh) && source <(kubectl completion zsh)',
      tmux && zsh,
    ],
    [
      'fish',
      'fish --no-config',
      "set -g fish_autosuggestion_enabled 0; function fish_prompt; echo -n '$ '; end; kubectl-oidc completion fish | source; kubectl completion fish | source",
      tmux && fish,
    ],
  ] as const;
  for (const [name, command, setup, available] of shells) {
    it.skipIf(!available)(`${name}, in a real terminal: commands, flags, choice values, as kubectl-oidc and as kubectl oidc`, async () => {
      const shell = interactiveShell(command, setup);
      try {
        expect(await shell.tab('kubectl-oidc se')).toBe('kubectl-oidc setup');
        expect(await shell.tab('kubectl-oidc get-token --token-cache-sto')).toBe('kubectl-oidc get-token --token-cache-storage');
        // A path flag gets the shell's file names, in both forms.
        expect(await shell.tab('kubectl-oidc get-token --certificate-authority=/etc/hostn')).toBe(
          'kubectl-oidc get-token --certificate-authority=/etc/hostname',
        );
        expect(await shell.tab('kubectl-oidc get-token --certificate-authority /etc/hostn')).toBe(
          'kubectl-oidc get-token --certificate-authority /etc/hostname',
        );
        for (const program of ['kubectl-oidc', 'kubectl oidc']) {
          expect(await shell.tab(`${program} get-token --grant-type=dev`)).toBe(`${program} get-token --grant-type=device-code`);
          expect(await shell.tab(`${program} get-token --token-cache-storage=k`)).toBe(
            `${program} get-token --token-cache-storage=keyring`,
          );
          expect(await shell.tab(`${program} get-token --token-cache-storage d`)).toBe(`${program} get-token --token-cache-storage disk`);
          const listed = await shell.list(`${program} get-token --grant-type=`, 'client-credentials');
          expect(listed).toMatch(/device-code/);
          expect(listed).not.toMatch(/=--grant-type|==/);
        }
      } finally {
        shell.close();
      }
    });
  }
});
