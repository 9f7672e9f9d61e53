import { defaultOf, envName, type Row, rowsOf, valueIn } from './table.js';
import type { GetTokenOptions } from './types.js';

export interface ExecArgs {
  /** get-token and its options, as the exec config's args. */
  args: string[];
  /** Secrets given as values: the exec config's env (the caller decides whether to redact them). */
  env: { name: string; value: string }[];
  /** The args that may suit only this machine, and why: setup says so beside them. */
  local: Map<string, string>;
}

/** A kubeconfig user's exec section running `command` with these args and env, as setup prints it and login writes it. */
export const execConfig = (command: string, args: string[], env: ExecArgs['env']): Record<string, unknown> => ({
  apiVersion: 'client.authentication.k8s.io/v1',
  interactiveMode: 'IfAvailable',
  command,
  args,
  ...(env.length > 0 ? { env } : {}),
});

/** Why a row's value may suit only this machine (a path: the same file is needed wherever the kubeconfig goes). */
const localWhy = (row: Row, value: string): string | undefined =>
  row.local ? row.local(value) : row.path ? `a path on this machine: every machine using this kubeconfig needs ${value}` : undefined;

const isDefault = (row: Row, value: unknown): boolean =>
  value === undefined || value === false || JSON.stringify(value) === JSON.stringify(defaultOf(row));

/**
 * The get-token command line that reproduces these options, for a kubeconfig: every option that changes behaviour and
 * differs from its default; a secret as an environment variable, or as the file it was read from, never as an argument.
 */
export const kubeconfigArgs = (options: GetTokenOptions): ExecArgs => {
  const rows = rowsOf('get-token');
  const fromFile = new Set(rows.filter((row) => row.readInto && valueIn(options, row) !== undefined).map((row) => row.readInto));
  const args = ['get-token'];
  const env: ExecArgs['env'] = [];
  const local = new Map<string, string>();
  const push = (row: Row, value: string, arg = `--${row.name}=${value}`): void => {
    args.push(arg);
    const why = localWhy(row, value);
    if (why) local.set(arg, why);
  };
  for (const row of rows) {
    const value = valueIn(options, row);
    if (row.kubeconfig === false || isDefault(row, value) || (row.secret && fromFile.has(row.key))) continue;
    if (row.secret) env.push({ name: envName(row.name), value: String(value) });
    else if (row.kind === 'boolean') push(row, '', `--${row.name}`);
    else if (row.kind === 'list') for (const item of value as string[]) push(row, item);
    else if (row.kind === 'map') for (const [key, item] of Object.entries(value as Record<string, string>)) push(row, `${key}=${item}`);
    else push(row, String(value));
  }
  return { args, env, local };
};
