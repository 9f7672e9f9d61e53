import type { Ambient, Clock } from '../../src/ambient.js';
import type { Logger } from '../../src/log.js';

/** A logger that keeps what it is told: `said` the info lines, `debugged` the -v lines. */
export const recordingLogger = (said: string[] = [], debugged: string[] = []): Logger & { said: string[]; debugged: string[] } => ({
  said,
  debugged,
  verbose: true,
  info: (message) => void said.push(message),
  debug: (message) => void debugged.push(message),
  status: () => undefined,
  clearStatus: () => undefined,
  emphasis: (text) => text,
  colorOn: () => false,
});

/** The system's clock, for tests of code that compares with the file system's times. */
export const realClock: Clock = { now: () => Date.now() };

/** A clock (the system's unless a time is given) and a recording logger. */
export const testAmbient = (nowMs?: number): Ambient & { log: ReturnType<typeof recordingLogger> } => ({
  clock: nowMs === undefined ? realClock : { now: () => nowMs },
  log: recordingLogger(),
});
