import { defaultCacheDir, expandHome, homeDir, kubeCacheDir } from './home.js';
import type { Command, Row } from './row.js';
import { APISERVER_ROWS } from './rows/apiserver.js';
import { CACHE_ROWS } from './rows/cache.js';
import { KUBELOGIN_ROWS } from './rows/kubelogin.js';
import { LOGIN_ROWS } from './rows/login.js';
import { NETWORK_ROWS } from './rows/network.js';
import { OUTPUT_ROWS } from './rows/output.js';
import { OWN_ROWS } from './rows/own.js';
import { PROVIDER_ROWS } from './rows/provider.js';
import { SETUP_ROWS } from './rows/setup.js';
import { TOKEN_EXCHANGE_ROWS } from './rows/token-exchange.js';

export type { Command, Group, Kind, Row, Section } from './row.js';
export { defaultCacheDir, expandHome, homeDir, kubeCacheDir };

const GET_TOKEN_FAMILY: readonly Command[] = ['get-token', 'setup', 'login', 'logout'];
/**
 * kubelogin's logging flags (klog's), which kubeconfigs written for it may carry: accepted by the commands that name a
 * session, in both spellings (`--log_dir`, `--log-dir`), and ignored with a -v line. Not options of ours: no help, no
 * completion, nothing for setup to print.
 */
export const KLOG_FLAGS: { readonly boolean: readonly string[]; readonly valued: readonly string[] } = {
  boolean: ['add_dir_header', 'alsologtostderr', 'logtostderr', 'one_output', 'skip_headers', 'skip_log_headers'],
  valued: ['log_backtrace_at', 'log_dir', 'log_file', 'log_file_max_size', 'stderrthreshold', 'vmodule'],
};

/**
 * THE option table: one row per flag, one file per help section under rows/, joined here in the order setup prints a
 * kubeconfig's arguments (who to ask and how to reach it first). commander's flags and help, the cache-hit parser, the
 * KUBECTL_OIDC_* variables, the typed options, the session key, status's flags and the kubeconfig that setup prints
 * are all derived from it. A new flag is one row plus its behaviour. Named and typed as kubelogin's, so that a
 * kubeconfig migrates by changing only the command. A row with a sessionKey makes sessions differ; the key's fields
 * and their order are listed, versioned, in session/key.ts (KEY_V1).
 */
export const OPTION_TABLE = [
  ...PROVIDER_ROWS,
  ...NETWORK_ROWS,
  ...TOKEN_EXCHANGE_ROWS,
  ...LOGIN_ROWS,
  ...CACHE_ROWS,
  ...OUTPUT_ROWS,
  ...APISERVER_ROWS,
  ...SETUP_ROWS,
  ...KUBELOGIN_ROWS,
  ...OWN_ROWS,
] as const satisfies readonly Row[];

const commandsOf = (row: Row): readonly Command[] => row.commands ?? GET_TOKEN_FAMILY;

/** The rows of one command, in table order. */
export const rowsOf = (command: Command): readonly Row[] => OPTION_TABLE.filter((row: Row) => commandsOf(row).includes(command));

/** Every option can also come from KUBECTL_OIDC_<NAME> (without a leading "oidc-"), so secrets need not sit in argv. */
export const envName = (flag: string): string =>
  `KUBECTL_OIDC_${(flag.startsWith('oidc-') ? flag.slice(5) : flag).split('-').join('_').toUpperCase()}`;

/** commander's attribute name for a flag: oidc-issuer-url → oidcIssuerUrl. */
export const attributeName = (name: string): string =>
  name
    .split('-')
    .map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('');

export const defaultOf = (row: Row): unknown => {
  if (typeof row.default === 'function') return row.default();
  if (row.default !== undefined) return row.default;
  if (row.kind === 'list') return [];
  if (row.kind === 'map') return {};
  return undefined;
};

/** A row's value in the options of get-token (the groups are properties, 'run' options sit at the top). */
export const valueIn = (options: object, row: Row): unknown => {
  const group = row.group === 'run' ? options : (options as Record<string, unknown>)[row.group];
  return (group as Record<string, unknown> | undefined)?.[row.key];
};
