import { defaultOf, envName, type Row, rowsOf, valueIn } from './table.js';
import type { GetTokenOptions } from './types.js';

export interface ExecArgs {
  /** get-token and its options, as the exec config's args. */
  args: string[];
  /** Secrets given as values: the exec config's env (the caller decides whether to redact them). */
  env: { name: string; value: string }[];
}

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
  for (const row of rows) {
    const value = valueIn(options, row);
    if (row.kubeconfig === false || isDefault(row, value) || (row.secret && fromFile.has(row.key))) continue;
    if (row.secret) env.push({ name: envName(row.name), value: String(value) });
    else if (row.kind === 'boolean') args.push(`--${row.name}`);
    else if (row.kind === 'list') for (const item of value as string[]) args.push(`--${row.name}=${item}`);
    else if (row.kind === 'map')
      for (const [key, item] of Object.entries(value as Record<string, string>)) args.push(`--${row.name}=${key}=${item}`);
    else args.push(`--${row.name}=${String(value)}`);
  }
  return { args, env };
};
