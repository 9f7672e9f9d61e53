import { parseArgs } from 'node:util';
import { serveFromCache } from '../credential/cache-hit.js';
import { parseExecInfo } from '../credential/exec-credential.js';
import type { GetTokenOptions } from '../options.js';
import { attributeName, defaultOf, envName, GET_TOKEN_FLAGS, toGetTokenOptions, type RawGetTokenFlags } from './flag-table.js';

type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];
const PARSE_OPTIONS: ParseOptions = Object.fromEntries(
  GET_TOKEN_FLAGS.map((spec) => [spec.name, { type: spec.value ? 'string' : 'boolean', multiple: true }]),
) as ParseOptions;

/**
 * get-token's flags read with Node's built-in parseArgs from the same table as commander, so that a cache hit never
 * loads commander. Anything out of the ordinary (help, -v, an unknown or bad flag, a missing required one) answers
 * undefined, and the full command line interface takes over and says what is wrong.
 */
export const fastParseGetToken = (args: string[], env: NodeJS.ProcessEnv = process.env): GetTokenOptions | undefined => {
  if (env.KUBECTL_OIDC_V !== undefined) return undefined;
  if (args.some((arg) => arg === '-h' || arg === '--help' || arg === '--v' || arg.startsWith('--v=') || /^-v/.test(arg))) return undefined;
  let values: Record<string, (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args, options: PARSE_OPTIONS, strict: true, allowPositionals: false }).values as typeof values;
  } catch {
    return undefined;
  }
  const raw: Record<string, unknown> = { v: 0 };
  try {
    for (const spec of GET_TOKEN_FLAGS) {
      const key = attributeName(spec.name);
      const given = values[spec.name];
      const fromEnv = env[envName(spec.name)];
      // commander's precedence: the command line, then the environment, then the default.
      const occurrences: (string | boolean)[] | undefined = given?.length ? given : fromEnv !== undefined ? [spec.value ? fromEnv : true] : undefined;
      if (!occurrences) {
        if (spec.default !== undefined) raw[key] = defaultOf(spec);
        else if (spec.provider) return undefined;
        continue;
      }
      if (!spec.value) raw[key] = true;
      else if (spec.parse) raw[key] = occurrences.reduce<unknown>((previous, value) => spec.parse!(String(value), previous as never), defaultOf(spec));
      else raw[key] = occurrences.at(-1);
    }
    return toGetTokenOptions(raw as unknown as RawGetTokenFlags);
  } catch {
    return undefined;
  }
};

/**
 * Serves kubectl from the cache without loading commander or any network code. Answers 'served', or the options for
 * a refresh or login, or undefined when the full command line must read the flags (and say what is wrong with them).
 */
export const fastGetToken = async (args: string[]): Promise<'served' | GetTokenOptions | undefined> => {
  const options = fastParseGetToken(args);
  if (!options || options.forceRefresh) return options;
  try {
    return (await serveFromCache(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO))) ? 'served' : options;
  } catch {
    return undefined;
  }
};
