import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main as mainWith, type Rest } from './main.js';

// The Node entry's rest (dist/): ESM files beside this CommonJS one, imported by path, so that a hit neither compiles
// nor links them.
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(__dirname, file)).href)) as T;

/** Run by bin/kubectl-oidc. */
export const main = (): void =>
  mainWith({
    getToken: () => load<Awaited<ReturnType<Rest['getToken']>>>('get-token.js'),
    cli: () => load<Awaited<ReturnType<Rest['cli']>>>('cli.js'),
  });
