/** stderr is the user's terminal while kubectl runs us: every message goes there, never to stdout. */
let verbosity = 0;

export const setVerbosity = (level: number): void => {
  verbosity = level;
};

export const isVerbose = (): boolean => verbosity > 0;

let colorAllowed = true;

/** --no-color: plain text everywhere, as NO_COLOR=1 (https://no-color.org) asks. */
export const setColor = (allowed: boolean): void => {
  colorAllowed = allowed;
};

/** Whether a stream is a terminal that may get colour: a TTY, and neither NO_COLOR nor --no-color. */
export const colorOn = (stream: NodeJS.WriteStream): boolean => colorAllowed && Boolean(stream.isTTY) && !process.env.NO_COLOR;

/** Bold on a terminal that takes colour. */
export const emphasis = (text: string): string => (colorOn(process.stderr) ? `\x1b[1m${text}\x1b[22m` : text);

let statusShown = false;

/** A line redrawn in place on a terminal (what a login waits for, the time left): any other line clears it first. */
export const showStatus = (text: string): void => {
  if (!process.stderr.isTTY) return;
  process.stderr.write(`\r\x1b[K${text}`);
  statusShown = true;
};

/** Clears the status line, so that what follows starts on a fresh line. */
export const clearStatus = (): void => {
  if (!statusShown) return;
  statusShown = false;
  process.stderr.write('\r\x1b[K');
};

export const info = (message: string): void => {
  clearStatus();
  process.stderr.write(`kubectl-oidc: ${message}\n`);
};

export const debug = (message: string): void => {
  if (verbosity === 0) return;
  clearStatus();
  process.stderr.write(`kubectl-oidc: [debug] ${message}\n`);
};
