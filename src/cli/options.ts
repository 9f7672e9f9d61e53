import { Command, InvalidArgumentError, Option } from 'commander';
import { PluginError } from '../errors.js';
import { fromAttributes, type Groups, getTokenOptionsOf, parseValue } from '../options/parse.js';
import { attributeName, type Command as CommandName, defaultOf, envName, KLOG_FLAGS, type Row, rowsOf } from '../options/table.js';
import type { GetTokenOptions } from '../options/types.js';
import { SECTION_HEADINGS, SECTION_ORDER } from './help.js';

/**
 * What logout's and clean's help shows: the flags that find a session (issuer, client, audience, account, username), reach
 * its IdP to revoke it (TLS, the client's credentials) and say where the cache is. The rest of get-token's flags are
 * taken and ignored — a kubeconfig's get-token arguments pasted as they are still work — but not listed.
 */
const FINDS_A_SESSION = new Set([
  'oidc-issuer-url',
  'oidc-client-id',
  'oidc-audience',
  'username',
  'account',
  'oidc-client-secret',
  'oidc-client-secret-file',
  'oidc-client-assertion-file',
  'token-cache-dir',
  'token-cache-storage',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'idp-timeout-sec',
  'oidc-request-header',
  'v',
  'all',
  'skip-revoke',
]);

/** Whether a command's help lists a row it takes (clean removes everything without flags: its --all is not listed). */
const listed = (row: Row, name: CommandName, shownAs: string): boolean =>
  name !== 'logout' || (FINDS_A_SESSION.has(row.name) && !(shownAs === 'clean' && row.name === 'all'));

/**
 * The options of one command from the option table, with the same parsers as the cache-hit path. `shownAs`: the
 * command whose help lists them, where two share the rows (clean takes logout's).
 */
export const addOptions = (command: Command, name: CommandName, shownAs: string = name): Command => {
  for (const row of inHelpOrder(rowsOf(name))) {
    const flags = `${row.short ? `-${row.short}, ` : ''}--${row.name}${row.value ? ` ${row.value}` : ''}`;
    const option = new Option(flags, row.description);
    if (row.section) option.helpGroup(SECTION_HEADINGS[row.section]);
    if (row.env !== false) option.env(envName(row.name));
    if ((row.kind !== 'boolean' && row.kind !== 'string') || row.path) {
      option.argParser((value: string, previous: unknown) => {
        try {
          return parseValue(row, value ?? true, previous);
        } catch (err) {
          throw err instanceof PluginError ? new InvalidArgumentError(err.message) : err;
        }
      });
    }
    const value = defaultOf(row);
    if (value !== undefined || row.defaultDescription) option.default(value, row.defaultDescription);
    // logout takes a session's options to find it, or --all instead.
    if (row.required && name !== 'logout') option.makeOptionMandatory();
    if (!listed(row, name, shownAs)) option.hideHelp();
    command.addOption(option);
  }
  if (GET_TOKEN_FAMILY.includes(name)) {
    for (const [names, value] of [
      [KLOG_FLAGS.boolean, '[bool]'],
      [KLOG_FLAGS.valued, '<value>'],
    ] as const) {
      for (const flag of new Set(names.flatMap((underscored) => [underscored, underscored.replaceAll('_', '-')]))) {
        command.addOption(new Option(`--${flag} ${value}`).hideHelp());
      }
    }
  }
  return command;
};

const GET_TOKEN_FAMILY: readonly CommandName[] = ['get-token', 'setup', 'logout'];

/** Help lists a command's own options, then each section in order; in each, the required flags as in the table, then by name. */
const inHelpOrder = (rows: readonly Row[]): Row[] => {
  const rank = (row: Row): number => (row.section ? SECTION_ORDER.indexOf(row.section) : -1);
  const required = (row: Row): number => Number(Boolean(row.required));
  return [...rows].sort((a, b) => rank(a) - rank(b) || required(b) - required(a) || (required(a) ? 0 : a.name.localeCompare(b.name)));
};

/** The klog flags this run was given (kubelogin's, ignored), as they were spelled. */
export const klogFlagsGiven = (command: Command): string[] =>
  command.options.filter((option) => option.hidden && command.getOptionValue(option.attributeName()) !== undefined).map((o) => o.long!);

/**
 * The options commander read, by group. Commander sets a boolean to true whenever its environment variable exists, so
 * those are read again here with the cache-hit path's parser (KUBECTL_OIDC_FORCE_REFRESH=false means false).
 */
export const groupsOf = (command: Command, name: CommandName): Groups => {
  for (const row of rowsOf(name)) {
    if (row.kind !== 'boolean' || row.env === false) continue;
    const attribute = attributeName(row.name.startsWith('no-') ? row.name.slice(3) : row.name);
    if (command.getOptionValueSource(attribute) !== 'env') continue;
    const value = parseValue(row, process.env[envName(row.name)] ?? '', undefined) as boolean;
    command.setOptionValueWithSource(attribute, row.name.startsWith('no-') ? !value : value, 'env');
  }
  return fromAttributes(name, command.opts());
};

/** Parses get-token arguments (after the command name) with commander; for tests and tools. */
export const parseGetTokenArgs = (args: string[]): GetTokenOptions => {
  const command = addOptions(new Command('get-token'), 'get-token')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  return getTokenOptionsOf(groupsOf(command.parse(args, { from: 'user' }), 'get-token'));
};
