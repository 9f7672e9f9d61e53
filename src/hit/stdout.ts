import { writeSync } from 'node:fs';

/**
 * Straight to fd 1: creating process.stdout's stream costs a cache hit ~3 ms. A stdout that cannot take it all at once
 * (a non-blocking pipe that is full) gets the rest through the stream. A reader that went away (EPIPE) ends the run
 * quietly with status 1: there is no one to tell.
 */
export const writeStdout = (text: string): void => {
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(1, rest));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
      process.exitCode = 1;
      return;
    }
    process.stdout.write(rest);
  }
};
