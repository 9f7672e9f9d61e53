import { readFileSync } from 'node:fs';
import { PluginError } from '../errors.js';
import { flagPatterns, matchesAny } from './flag-patterns.js';
import { parseListenAddress } from './listen-address.js';
import { attributeName, type Command, defaultOf, envName, expandHome, type Group, KLOG_FLAGS, type Row, rowsOf } from './table.js';
import type { GetTokenOptions } from './types.js';

/** A value that does not parse: a usage error naming the option (commander adds its own wording in front). */
const bad = (message: string): PluginError => new PluginError('usage', message);

/** Repeatable list options also take space- or comma-separated lists (handy in one environment variable). */
const collectList = (row: Row, value: string, previous: string[]): string[] => {
  const added = value
    .split(/[\s,]+/)
    .filter((item) => item !== '')
    .map((item) => (row.path ? expandHome(item) : item));
  if (row.listenAddresses) for (const address of added) parseListenAddress(address);
  const next = [...previous, ...added];
  return row.unique ? [...new Set(next)] : next;
};

const collectKeyValue = (row: Row, value: string, previous: Record<string, string>): Record<string, string> => {
  const next = { ...previous };
  for (const pair of value.split(/,(?=[^,=]+=)/)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw bad(`--${row.name} takes key=value, got "${pair}"`);
    next[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return next;
};

const wholeNumber = (row: Row, value: string): number => {
  const n = Number(value);
  const min = row.min ?? 0;
  if (!Number.isInteger(n) || n < min)
    throw bad(min > 0 ? 'expected a positive whole number of seconds' : 'expected a whole number of seconds');
  return n;
};

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** A boolean from its environment variable: it means what it says; anything else is a mistake to point out. */
const environmentBoolean = (row: Row, value: string): boolean => {
  const word = value.trim().toLowerCase();
  if (TRUE.has(word)) return true;
  if (FALSE.has(word)) return false;
  throw bad(`${envName(row.name)} must be true or false (or 1/0, yes/no, on/off), got "${value}"`);
};

/**
 * Reads one occurrence of an option; `previous` is the value so far (the default first), for repeatable ones. A
 * boolean given a string has it from its environment variable.
 */
export const parseValue = (row: Row, value: string | true, previous: unknown): unknown => {
  // An empty path (KUBECTL_OIDC_TOKEN_CACHE_DIR= in a kubeconfig's env) is no path: the default, as the launcher reads it.
  if (row.path && value === '' && row.kind !== 'list') return previous;
  if (row.path && typeof value === 'string' && row.kind !== 'list') value = expandHome(value);
  switch (row.kind) {
    case 'boolean':
      return value === true || environmentBoolean(row, value);
    case 'level': {
      if (value === true) return 1;
      const n = Number(value.replace(/^=/, '')); // -v=1: commander hands a short flag's "=1" over whole
      if (!Number.isInteger(n) || n < 0) throw bad('expected a log level such as 1');
      return n;
    }
    case 'list':
      return collectList(row, String(value), (previous as string[] | undefined) ?? []);
    case 'map':
      return collectKeyValue(row, String(value), (previous as Record<string, string> | undefined) ?? {});
    case 'int':
      return wholeNumber(row, String(value));
    case 'choice':
      if (!row.choices?.includes(String(value))) throw bad(`allowed: ${row.choices?.join(', ')}`);
      return value;
    default:
      return value;
  }
};

/** A secret kept in a file: its content without the trailing newline editors add. */
const readSecretFile = (file: string, flagName: string): string => {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw bad(`cannot read --${flagName} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

export type Groups = Partial<Record<Group, Record<string, unknown>>>;

/**
 * The options of a command, by group, from each row's value as read (undefined when not given): defaults filled in,
 * booleans false when absent, empty optional strings left out, and files read into the keys they stand for.
 */
const groupOptions = (command: Command, given: (row: Row) => unknown): Groups => {
  const groups: Groups = {};
  const rows = rowsOf(command);
  for (const row of rows) {
    let value = given(row) ?? defaultOf(row);
    if (row.kind === 'boolean') value = value === true;
    if (row.kind === 'level' && value === true) value = 1; // commander's value for a bare -v
    if (value === '' && row.required) throw bad(`--${row.name} is empty: give the ${row.description}`);
    if (value === undefined || value === '') continue;
    const group = groups[row.group] ?? {};
    group[row.key] = value;
    groups[row.group] = group;
  }
  for (const row of rows) {
    const value = groups[row.group]?.[row.key];
    if (row.readInto && typeof value === 'string') groups[row.group]![row.readInto] = readSecretFile(value, row.name);
    const isSet = value === true || (Array.isArray(value) && value.length > 0);
    if (row.implies && isSet) Object.assign(groups[row.group]!, row.implies(value as never));
  }
  return groups;
};

export const getTokenOptionsOf = (groups: Groups): GetTokenOptions =>
  ({ provider: groups.provider ?? {}, login: groups.login ?? {}, cache: groups.cache ?? {}, ...groups.run }) as GetTokenOptions;

/**
 * Options as commander hands them over: by attribute name (oidc-issuer-url → oidcIssuerUrl); a --no-x flag is commander's
 * negation of x (x: false).
 */
export const fromAttributes = (command: Command, attributes: Record<string, unknown>): Groups =>
  groupOptions(command, (row) =>
    row.kind === 'boolean' && row.name.startsWith('no-')
      ? attributes[attributeName(row.name.slice(3))] === false
      : attributes[attributeName(row.name)],
  );

/** Whether a flag name is one of klog's (either spelling), and whether it takes a value. */
export const klogFlag = (name: string): 'boolean' | 'valued' | undefined => {
  const underscored = name.replaceAll('-', '_');
  if (KLOG_FLAGS.boolean.includes(underscored)) return 'boolean';
  return KLOG_FLAGS.valued.includes(underscored) ? 'valued' : undefined;
};

/**
 * The occurrences of each option, in the plain forms kubeconfigs use (--name=value, --name value, --flag); undefined
 * for anything else (short flags, --help, unknown options, positionals, a value that looks like an option).
 * Not util.parseArgs: loading it costs a cache hit more than this whole function.
 */
const occurrencesOf = (rows: ReadonlyMap<string, Row>, args: string[]): Map<string, (string | true)[]> | undefined => {
  const values = new Map<string, (string | true)[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) return undefined;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const row = rows.get(name);
    const klog = row ? undefined : klogFlag(name);
    if (klog) {
      // kubelogin's logging flags: skipped, with the value that follows a valued one.
      if (klog === 'valued' && eq < 0 && (args[++i] === undefined || args[i]!.startsWith('-'))) return undefined;
      continue;
    }
    if (!row || row.handOff) return undefined;
    let value: string | true;
    if (row.kind === 'boolean') {
      if (eq >= 0) return undefined;
      value = true;
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[++i];
      if (next === undefined || next.startsWith('-')) return undefined;
      value = next;
    }
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  return values;
};

/**
 * get-token's options read straight from the table, so that a cache hit never loads commander. Anything out of the
 * ordinary (help, -v, an unknown or bad option, a missing required one) answers undefined, and commander takes over
 * and says what is wrong. Precedence as commander's: the command line, then the environment, then the default.
 */
export const fastParseGetToken = (args: string[], env: NodeJS.ProcessEnv): GetTokenOptions | undefined => {
  const rows = rowsOf('get-token');
  const values = occurrencesOf(new Map(rows.map((row) => [row.name, row])), args);
  if (!values) return undefined;
  try {
    const groups = groupOptions('get-token', (row) => {
      const fromEnv = row.env === false ? undefined : env[envName(row.name)];
      const occurrences = values.get(row.name) ?? (fromEnv !== undefined ? [fromEnv] : undefined);
      if (!occurrences) {
        if (row.required) throw bad(`--${row.name} is required`);
        return undefined;
      }
      if (row.handOff) throw bad(`--${row.name} is read by commander`);
      return occurrences.reduce<unknown>((previous, value) => parseValue(row, value, previous), defaultOf(row));
    });
    return getTokenOptionsOf(groups);
  } catch {
    return undefined;
  }
};

/**
 * The get-token options a kubeconfig's arguments name, whatever log level they ask for (-v does not pick a session),
 * read as the cache-hit path reads them; undefined where only commander can.
 */
export const kubeconfigOptionsOf = (args: string[]): GetTokenOptions | undefined => {
  const handedOff = matchesAny(
    rowsOf('get-token')
      .filter((row) => row.handOff)
      .flatMap(flagPatterns),
  );
  return fastParseGetToken(
    args.filter((arg) => !handedOff(arg)),
    {},
  );
};
