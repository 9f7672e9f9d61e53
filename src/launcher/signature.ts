import { envName, rowsOf } from '../options/table.js';

/**
 * What a hit depends on besides the arguments: every variable get-token reads (KUBECTL_OIDC_*) and those that decide
 * where the cache lives. The launcher and the hit file spell them the same way, from this one list.
 */
export const HIT_ENVIRONMENT: readonly string[] = [
  ...rowsOf('get-token')
    .filter((row) => row.env !== false)
    .map((row) => envName(row.name)),
  'KUBECACHEDIR',
  'HOME',
  'XDG_RUNTIME_DIR',
];

/** Joins the fields of a signature: the ASCII unit separator, which no flag or path contains in practice. */
export const SEPARATOR = '\x1f';

/** Arguments that ask for more than a cached credential (debug lines, help, a new token): never answered from a hit. */
export const isUnjudged = (arg: string): boolean => /^(-v|--v(=.*)?|-v\d+|--force-refresh|-h|--help)$/.test(arg);

const oneLine = (values: readonly string[]): string | undefined =>
  values.some((value) => value.includes('\n') || value.includes('\r') || value.includes(SEPARATOR)) ? undefined : values.join(SEPARATOR);

/** The arguments a hit stands for (those of a plain run: debug and --force-refresh left out); undefined if not writable. */
export const argsSignature = (args: readonly string[]): string | undefined => oneLine(args.filter((arg) => !isUnjudged(arg)));

/** The environment a hit stands for: each variable unset ("u") or set ("s" and its value), in HIT_ENVIRONMENT's order. */
export const envSignature = (env: NodeJS.ProcessEnv): string | undefined =>
  oneLine(HIT_ENVIRONMENT.map((name) => (env[name] === undefined ? 'u' : `s${env[name]}`)));
