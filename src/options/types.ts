import type { Command, Group, OPTION_TABLE } from './table.js';

/** The typed options, derived from the option table: a row's kind gives the type, its group and key the place. */

type Rows = (typeof OPTION_TABLE)[number];

type ValueOf<R> = R extends { kind: 'choice'; choices: readonly (infer C)[] }
  ? C
  : R extends { kind: 'boolean' }
    ? boolean
    : R extends { kind: 'int' | 'level' }
      ? number
      : R extends { kind: 'list' }
        ? string[]
        : R extends { kind: 'map' }
          ? Record<string, string>
          : string;

/** Whether the options always carry a value for the row (a default, a required flag, or a kind with an empty value). */
type Always<R> = R extends { kind: 'boolean' | 'list' | 'map' | 'level' } | { default: unknown } | { required: true } ? true : false;

type TakenBy<R, C extends Command> = R extends { commands: readonly (infer Cs)[] }
  ? C extends Cs
    ? R
    : never
  : C extends 'get-token' | 'setup' | 'login' | 'logout'
    ? R
    : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The options of one group, as a command reads them. */
export type OptionsOf<G extends Group, C extends Command = 'get-token'> = Simplify<
  { [R in TakenBy<Extract<Rows, { group: G }>, C> as Always<R> extends true ? R['key'] : never]: ValueOf<R> } & {
    [R in TakenBy<Extract<Rows, { group: G }>, C> as Always<R> extends true ? never : R['key']]?: ValueOf<R>;
  }
>;

export type ProviderOptions = OptionsOf<'provider'>;
export type LoginOptions = OptionsOf<'login'>;
export type CacheOptions = OptionsOf<'cache'>;
/** Where sessions are kept: --token-cache-storage's choices, `auto` being keyring's other name. */
export type Storage = Exclude<CacheOptions['tokenCacheStorage'], 'auto'>;

export type GetTokenOptions = Simplify<{ provider: ProviderOptions; login: LoginOptions; cache: CacheOptions } & OptionsOf<'run'>>;
/** What a login (any grant, src/grants/) reads: whom to ask and how to log in; not the cache or the run's own flags. */
export type LoginInput = Pick<GetTokenOptions, 'provider' | 'login'>;
/** What decides whether a session's credential is fresh, and which token it is. */
export type FreshnessInput = Pick<GetTokenOptions, 'useAccessToken'> & { cache: Pick<CacheOptions, 'tokenExpiryMarginSec'> };
/** What a hit file is written from: where the cache is, and the credential's freshness. */
export type HitInput = Pick<GetTokenOptions, 'useAccessToken'> & { cache: Pick<CacheOptions, 'tokenCacheDir' | 'tokenExpiryMarginSec'> };
/** What a session's info (shown by status, used by logout) names: the IdP, the client, the audience, the account. */
export type SessionInfoInput = Pick<GetTokenOptions, 'account'> & {
  provider: Pick<ProviderOptions, 'issuerUrl' | 'clientId' | 'audience'>;
};

export type PkceMethod = LoginOptions['pkceMethod'];
export type GrantType = LoginOptions['grantType'];

export type ApiserverFlags = OptionsOf<'apiserver', 'setup'>;
export type SetupOptions = Simplify<{ getToken: GetTokenOptions; apiserver: ApiserverFlags } & OptionsOf<'setup', 'setup'>>;
export type MigrateOptions = OptionsOf<'migrate', 'migrate'>;
export type KubeconfigOptions = OptionsOf<'kubeconfig', 'login'>;
export type LoginCommandOptions = Simplify<
  { getToken: GetTokenOptions; apiserver: OptionsOf<'apiserver', 'login'>; kubeconfig: KubeconfigOptions } & OptionsOf<'setup', 'login'>
>;
export type StatusOptions = Simplify<{ cache: OptionsOf<'cache', 'status'> } & OptionsOf<'status', 'status'>>;
