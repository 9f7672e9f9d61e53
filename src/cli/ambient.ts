import type { Ambient, Clock } from '../ambient.js';
import { createLogger, type Logger } from '../log.js';

/** The system's clock: the one place that reads it. */
export const systemClock: Clock = { now: () => Date.now() };

let current: Logger | undefined;

/** The run's logger, made once its flags are read (-v, --no-color); a failure is reported through the same one. */
export const runLogger = (verbosity: number, noColor = false): Logger => {
  current = createLogger({ verbosity, color: !noColor && !process.env.NO_COLOR, stderr: () => process.stderr });
  return current;
};

/** The logger of this run, or a quiet one when the run failed before its flags were read. */
export const currentLogger = (): Logger => current ?? runLogger(0);

/** The system's clock and the run's logger. */
export const ambientOf = (log: Logger): Ambient => ({ clock: systemClock, log });
