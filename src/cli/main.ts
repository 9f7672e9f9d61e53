import { cacheAdapters, type GetTokenRun, serveFromCache } from '../commands/get-token/cache-hit.js';
import { parseExecInfo } from '../hit/exec-credential.js';
import { fastParseGetToken } from '../options/parse.js';
import { ambientOf, runLogger } from './ambient.js';
import { forgetSecretVariables, startEnvironment } from './environment.js';

// kubectl runs `get-token` before every command. This module and what it imports serve a cache hit from the session
// store without commander or any network code. A refresh or login with flags already read loads the get-token entry
// of the rest; anything else the full command line interface. How those are loaded is the entry's business: files
// beside the bundle for Node (dist/), modules inside the executable for the compiled one.
export interface Rest {
  getToken(): Promise<{ runGetToken(getTokenRun: GetTokenRun): Promise<void> }>;
  cli(): Promise<{ run(argv: string[]): Promise<void> }>;
}

/**
 * Serves kubectl from the cache without loading commander or any network code. Answers 'served', or what a refresh or
 * login starts from, or undefined when the full command line must read the flags (and say what is wrong with them).
 */
const fastGetToken = async (args: string[]): Promise<'served' | GetTokenRun | undefined> => {
  const options = fastParseGetToken(args, process.env);
  if (!options) return undefined;
  try {
    const run = { args: ['get-token', ...args], env: startEnvironment };
    return await serveFromCache(
      options,
      run,
      cacheAdapters(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), run, ambientOf(runLogger(options.verbose, options.noColor))),
    );
  } catch {
    return undefined;
  }
};

const serve = async (rest: Rest): Promise<void> => {
  const fast = process.argv[2] === 'get-token' ? await fastGetToken(process.argv.slice(3)) : undefined;
  if (fast === 'served') return;
  // A reader of stdout that went away (a closed pipe) ends the run quietly with status 1, never with a stack trace.
  process.stdout.on('error', () => process.exit(1));
  if (fast) {
    forgetSecretVariables();
    await (await rest.getToken()).runGetToken(fast);
  } else await (await rest.cli()).run(process.argv);
  // Exit explicitly: keep-alive sockets of the HTTP client must not hold kubectl up once the answer is written.
  // The empty write's callback fires only after everything before it has been flushed.
  process.stdout.write('', (err) => process.exit(err ? 1 : (process.exitCode ?? 0)));
};

/** Runs the command line after the hit file's miss. */
export const main = (rest: Rest): void => {
  serve(rest).catch((err: unknown) => {
    process.stderr.write(`kubectl-oidc: ${(err as Error).message}\n`);
    process.exit(1);
  });
};
