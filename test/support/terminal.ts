import { execFileSync } from 'node:child_process';
import { vi } from 'vitest';

/** A real terminal: a tmux pane of its own tmux server, which stays on screen after its command ends. */
export interface Terminal {
  /** What the pane shows now and what scrolled off it, lines joined as wrapped; with `escapes`, colours and bold too. */
  screen(escapes?: boolean): string;
  /** Once the command has ended (its pane is dead). */
  ended(): Promise<void>;
  /** The first match of `pattern` on the screen, once it is there (polled, within 30 s). */
  shows(pattern: RegExp): Promise<string>;
  /** tmux key names (Enter, Tab, C-c, C-u). */
  keys(...keys: string[]): void;
  /** Text typed as is. */
  type(text: string): void;
  close(): void;
}

/** Starts `command` (a sh command line) in a new terminal of width × height. */
export const startTerminal = (command: string, width = 200, height = 40): Terminal => {
  const server = `kubectl-oidc-tests-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...rest: string[]): string => execFileSync('tmux', ['-L', server, ...rest], { encoding: 'utf8' });
  const script = `tmux -L ${server} set -g remain-on-exit on; exec ${command}`;
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 's', '-x', String(width), '-y', String(height), 'sh', '-c', script);
  const screen = (escapes = false): string => tmux('capture-pane', '-p', '-J', '-S', '-', ...(escapes ? ['-e'] : []), '-t', 's');
  return {
    screen,
    shows: (pattern) =>
      vi.waitFor(
        () => {
          const match = screen().match(pattern);
          if (!match) throw new Error(`the terminal does not show ${pattern} yet:\n${screen()}`);
          return match[0];
        },
        { timeout: 30_000, interval: 50 },
      ),
    ended: () =>
      vi.waitFor(
        () => {
          if (tmux('display-message', '-p', '-t', 's', '#{pane_dead}').trim() !== '1') throw new Error('still running');
        },
        { timeout: 30_000, interval: 50 },
      ),
    keys: (...keys) => void tmux('send-keys', '-t', 's', ...keys),
    type: (text) => void tmux('send-keys', '-t', 's', '-l', text),
    close: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
    },
  };
};
