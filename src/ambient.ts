import type { Logger } from './log.js';

/** The time, passed in like any adapter: cli/ gives the system's, tests their own. Nothing below cli/ reads Date.now(). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** What a run gets from its entry besides its options: the clock, and its one voice on stderr. */
export interface Ambient {
  clock: Clock;
  log: Logger;
}
