/** stderr is the user's terminal while kubectl runs us: every message goes there, never to stdout. */
let verbosity = 0;

export const setVerbosity = (level: number): void => {
  verbosity = level;
};

export const isVerbose = (): boolean => verbosity > 0;

export const info = (message: string): void => {
  process.stderr.write(`kubectl-oidc: ${message}\n`);
};

export const debug = (message: string): void => {
  if (verbosity > 0) process.stderr.write(`kubectl-oidc: [debug] ${message}\n`);
};
