import { join } from 'node:path';

// Where home and kubectl's cache are: the option table's defaults, and every hit reader's, without the table.

/** os.homedir() without loading node:os on the cache-hit path (~0.4 ms): on POSIX it is $HOME when that is set. */
export const homeDir = (env: NodeJS.ProcessEnv = process.env): string =>
  (process.platform !== 'win32' && env.HOME) || process.getBuiltinModule('node:os').homedir();

/** `~` and `~/…` as the home directory; any other path as it is. */
export const expandHome = (path: string, env: NodeJS.ProcessEnv = process.env): string =>
  path === '~' ? homeDir(env) : path.startsWith('~/') ? join(homeDir(env), path.slice(2)) : path;

/**
 * A plugin's directory in kubectl's cache, $KUBECACHEDIR else ~/.kube/cache (without HOME, or on Windows, the account's
 * home directory, as kubectl's): ours by default, kubelogin's (oidc-login) for migrate.
 */
export const kubeCacheDir = (plugin: string, env: NodeJS.ProcessEnv = process.env): string =>
  join(env.KUBECACHEDIR || join(homeDir(env), '.kube', 'cache'), plugin);

/** The default token cache directory, for the sessions and for every hit reader alike. */
export const defaultCacheDir = (env: NodeJS.ProcessEnv = process.env): string => kubeCacheDir('kubectl-oidc', env);
