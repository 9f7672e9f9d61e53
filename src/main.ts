import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tryCacheHit } from './cli/fast-get-token.js';

// kubectl runs `get-token` before every command. This file is bundled on its own as CommonJS, without code splitting,
// so that a cache hit loads one module and skips the ESM loader: no commander, no network code. Anything else loads
// the full command line interface, a separate ESM bundle next to this one.
const main = async (): Promise<void> => {
  if (process.argv[2] === 'get-token' && (await tryCacheHit(process.argv.slice(3)))) return;
  const { run } = (await import(pathToFileURL(join(__dirname, 'cli.js')).href)) as typeof import('./cli/main.js');
  await run(process.argv);
  // Exit explicitly: keep-alive sockets of the HTTP client must not hold kubectl up once the answer is written.
  // The empty write's callback fires only after everything before it has been flushed.
  process.stdout.write('', () => process.exit(process.exitCode ?? 0));
};

main().catch((err: unknown) => {
  process.stderr.write(`kubectl-oidc: ${(err as Error).message}\n`);
  process.exit(1);
});
