import { main } from './cli/main.js';

// The compiled executable after a miss of its hit reader (src/executable.ts): the command line, one module graph.
main({ getToken: () => import('./cli/run-get-token.js'), cli: () => import('./cli/program.js') });
