import { Command, InvalidArgumentError, Option } from 'commander';
import type { GetTokenOptions } from '../options.js';
import { defaultOf, envName, FlagValueError, GET_TOKEN_FLAGS, toGetTokenOptions, type FlagSpec, type RawGetTokenFlags } from './flag-table.js';

export { collectKeyValue, defaultCacheDir, envName, toGetTokenOptions, type RawGetTokenFlags } from './flag-table.js';

/** Wraps a table parser so that commander reports a bad value as its usage error. */
export const commanderParser =
  (parse: NonNullable<FlagSpec['parse']>) =>
  (value: string, previous: unknown): unknown => {
    try {
      return parse(value, previous as never);
    } catch (err) {
      if (err instanceof FlagValueError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };

const verbosity = (value: string | true): number => {
  if (value === true) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a log level such as 1');
  return n;
};

/**
 * The get-token flags on a commander command. logout takes the same set (to find the same session), with the provider
 * optional because of --all. Every flag can also come from KUBECTL_OIDC_<FLAG>.
 */
export const addGetTokenFlags = (command: Command, providerRequired = true): Command => {
  for (const spec of GET_TOKEN_FLAGS) {
    const option = new Option(`--${spec.name}${spec.value ? ` ${spec.value}` : ''}`, spec.description).env(envName(spec.name));
    if (spec.parse) option.argParser(commanderParser(spec.parse));
    if (spec.default !== undefined) option.default(defaultOf(spec), spec.defaultDescription);
    if (spec.provider && providerRequired) option.makeOptionMandatory();
    command.addOption(option);
  }
  return command.addOption(new Option('-v, --v [level]', 'log level (1 = debug)').argParser(verbosity).default(0).env('KUBECTL_OIDC_V'));
};

/** Parses get-token arguments (after the command name) into options; for tests and tools. */
export const parseGetTokenArgs = (args: string[]): GetTokenOptions => {
  const command = addGetTokenFlags(new Command('get-token'))
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  command.parse(args, { from: 'user' });
  return toGetTokenOptions(command.opts<RawGetTokenFlags>());
};
