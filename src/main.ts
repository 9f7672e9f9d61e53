import { run } from './cli/main.js';

await run(process.argv);
// Exit explicitly: keep-alive sockets of the HTTP client must not hold kubectl up once the answer is written.
// The empty write's callback fires only after everything before it has been flushed.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
