/**
 * The one voice of a run on stderr, which is the user's terminal while kubectl runs us: every message goes there, never
 * to stdout. cli/ makes one for the run from its flags and passes it down: below cli/, only prompts that read an answer
 * (a password, a pasted code) write to stderr themselves.
 */
export interface Logger {
  /** -v was given: [debug] lines are written, and a failure's stack. */
  readonly verbose: boolean;
  info(message: string): void;
  debug(message: string): void;
  /** A line redrawn in place on a terminal (what a login waits for, the time left): any other line clears it first. */
  status(text: string): void;
  /** Clears the status line, so that what follows starts on a fresh line. */
  clearStatus(): void;
  /** Bold on a terminal that takes colour. */
  emphasis(text: string): string;
  /** Whether a stream is a terminal that may get colour: a TTY, and neither NO_COLOR nor --no-color. */
  colorOn(stream: NodeJS.WriteStream): boolean;
}

export interface LoggerSettings {
  /** -v's level: 0 is quiet. */
  verbosity: number;
  /** false for --no-color or NO_COLOR (https://no-color.org). */
  color: boolean;
  /** Asked for at the first line: opening stderr costs a cache hit Node's net module when it is a pipe. */
  stderr: () => NodeJS.WriteStream;
}

export const createLogger = ({ verbosity, color, stderr }: LoggerSettings): Logger => {
  let statusShown = false;
  const clearStatus = (): void => {
    if (!statusShown) return;
    statusShown = false;
    stderr().write('\r\x1b[K');
  };
  const colorOn = (stream: NodeJS.WriteStream): boolean => color && Boolean(stream.isTTY);
  return {
    verbose: verbosity > 0,
    info: (message) => {
      clearStatus();
      stderr().write(`kubectl-oidc: ${message}\n`);
    },
    debug: (message) => {
      if (verbosity === 0) return;
      clearStatus();
      stderr().write(`kubectl-oidc: [debug] ${message}\n`);
    },
    status: (text) => {
      if (!stderr().isTTY) return;
      stderr().write(`\r\x1b[K${text}`);
      statusShown = true;
    },
    clearStatus,
    emphasis: (text) => (colorOn(stderr()) ? `\x1b[1m${text}\x1b[22m` : text),
    colorOn,
  };
};
