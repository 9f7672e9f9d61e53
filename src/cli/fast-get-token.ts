import { serveFromCache } from '../credential/cache-hit.js';
import { parseExecInfo } from '../credential/exec-credential.js';
import type { GetTokenOptions } from '../options.js';
import { openStore } from '../session/open-store.js';
import type { SessionStore } from '../session/tokens.js';
import { attributeName, defaultOf, envName, GET_TOKEN_FLAGS, toGetTokenOptions, type RawGetTokenFlags } from './flag-table.js';

const SPECS = new Map(GET_TOKEN_FLAGS.map((spec) => [spec.name, spec]));

/**
 * The occurrences of each flag, in the plain forms kubeconfigs use (--name=value, --name value, --flag); undefined
 * for anything else (-v, --help, unknown flags, positionals, a value that looks like a flag), which commander reads.
 * Not util.parseArgs: loading it costs a cache hit more than this whole function.
 */
const occurrencesOf = (args: string[]): Map<string, (string | true)[]> | undefined => {
  const values = new Map<string, (string | true)[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) return undefined;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = SPECS.get(name);
    if (!spec) return undefined;
    let value: string | true;
    if (!spec.value) {
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
 * get-token's flags read from the same table as commander, so that a cache hit never loads commander. Anything out of
 * the ordinary (help, -v, an unknown or bad flag, a missing required one) answers undefined, and the full command line
 * interface takes over and says what is wrong.
 */
export const fastParseGetToken = (args: string[], env: NodeJS.ProcessEnv = process.env): GetTokenOptions | undefined => {
  if (env.KUBECTL_OIDC_V !== undefined) return undefined;
  const values = occurrencesOf(args);
  if (!values) return undefined;
  const raw: Record<string, unknown> = { v: 0 };
  try {
    for (const spec of GET_TOKEN_FLAGS) {
      const key = attributeName(spec.name);
      const given = values.get(spec.name);
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

/** What get-token must do after the fast path found no fresh token: the flags it read, and the store it opened. */
export interface Miss {
  options: GetTokenOptions;
  /** Absent with --force-refresh, which never looks. */
  store?: SessionStore;
}

/**
 * Serves kubectl from the cache without loading commander or any network code. Answers 'served', or what a refresh or
 * login starts from, or undefined when the full command line must read the flags (and say what is wrong with them).
 */
export const fastGetToken = async (args: string[]): Promise<'served' | Miss | undefined> => {
  const options = fastParseGetToken(args);
  if (!options) return undefined;
  if (options.forceRefresh) return { options };
  try {
    const store = await openStore(options.cache);
    return (await serveFromCache(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), store)) ? 'served' : { options, store };
  } catch {
    return undefined;
  }
};
