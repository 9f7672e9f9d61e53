import { tryCacheHit } from './cli/fast-get-token.js';

// kubectl runs `get-token` before every command. This file is bundled on its own, without code splitting, so that a
// cache hit loads one module: no commander, no network code. Anything else loads the full command line interface,
// a separate bundle (the computed specifier keeps esbuild from inlining it).
const served = process.argv[2] === 'get-token' && (await tryCacheHit(process.argv.slice(3)));
if (!served) {
  const { run } = (await import(new URL('./cli.js', import.meta.url).href)) as typeof import('./cli/main.js');
  await run(process.argv);
}
// Exit explicitly: keep-alive sockets of the HTTP client must not hold kubectl up once the answer is written.
// The empty write's callback fires only after everything before it has been flushed.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
