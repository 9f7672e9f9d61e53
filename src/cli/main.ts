import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fastGetToken } from './fast-get-token.js';

// kubectl runs `get-token` before every command. This module and what it imports make the hit file, one CommonJS file
// without code splitting, so that a cache hit loads one module and skips the ESM loader: no commander, no network code.
// A refresh or login with flags already read loads the get-token entry of the rest of the graph (ESM, split into
// chunks, sharing the hit file's modules); anything else the full command line interface.
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(__dirname, file)).href)) as T;

const serve = async (): Promise<void> => {
  const fast = process.argv[2] === 'get-token' ? await fastGetToken(process.argv.slice(3)) : undefined;
  if (fast === 'served') return;
  // A reader of stdout that went away (a closed pipe) ends the run quietly with status 1, never with a stack trace.
  process.stdout.on('error', () => process.exit(1));
  if (fast) {
    await (await load<typeof import('./run-get-token.js')>('get-token.js')).runGetToken(fast);
  } else {
    await (await load<typeof import('./program.js')>('cli.js')).run(process.argv);
  }
  // Exit explicitly: keep-alive sockets of the HTTP client must not hold kubectl up once the answer is written.
  // The empty write's callback fires only after everything before it has been flushed.
  process.stdout.write('', (err) => process.exit(err ? 1 : (process.exitCode ?? 0)));
};

/** Run by bin/kubectl-oidc. */
export const main = (): void => {
  serve().catch((err: unknown) => {
    process.stderr.write(`kubectl-oidc: ${(err as Error).message}\n`);
    process.exit(1);
  });
};
