/** What a row of the option table (table.ts, its rows under rows/) says of one flag. */

export type Kind = 'string' | 'boolean' | 'int' | 'list' | 'map' | 'choice' | 'level';
export type Command = 'get-token' | 'setup' | 'login' | 'logout' | 'status' | 'migrate';
/** Where a row's value lands in the typed options (see types.ts). */
export type Group = 'provider' | 'login' | 'cache' | 'run' | 'apiserver' | 'setup' | 'kubeconfig' | 'logout' | 'status' | 'migrate';

/** Where a flag is listed in help, by purpose. */
export type Section = 'provider' | 'login' | 'cache' | 'network' | 'token-exchange' | 'kubelogin' | 'output' | 'apiserver' | 'setup';

export interface Row {
  /** Long name without dashes, e.g. oidc-issuer-url. */
  readonly name: string;
  /** A one-letter alias, e.g. o for -o. */
  readonly short?: string;
  readonly kind: Kind;
  readonly group: Group;
  /** Its heading in help; absent: the command's own options. */
  readonly section?: Section;
  /** The property in its group, e.g. issuerUrl. */
  readonly key: string;
  /** Placeholder of the value in help, e.g. <url>; absent for a boolean flag. */
  readonly value?: string;
  readonly description: string;
  readonly choices?: readonly string[];
  /** For int: the smallest value allowed. */
  readonly min?: number;
  /** The default, or a function that computes it when the flags are read (it may depend on the environment). */
  readonly default?: string | number | (() => string);
  readonly defaultDescription?: string;
  /** Required by get-token and setup; optional for logout (which has --all). */
  readonly required?: boolean;
  /** The commands that take it; absent: get-token and the commands that name a session like it (setup, logout). */
  readonly commands?: readonly Command[];
  /** false: not read from a KUBECTL_OIDC_* variable (options of one command's own). */
  readonly env?: false;
  /** The field of the session key this option is part of (options that make the tokens different). */
  readonly sessionKey?: string;
  /** The session key has the field only when the option is set (fields added after version 1 of the key). */
  readonly sessionKeyWhenSet?: boolean;
  /** A secret: setup prints it as an environment variable of the exec config, never as an argument. */
  readonly secret?: boolean;
  /** A file whose content (without the trailing newline) becomes the value of this key of the same group. */
  readonly readInto?: string;
  /** false: setup never prints it into a kubeconfig (one-off or diagnostic options). */
  readonly kubeconfig?: false;
  /**
   * A flag kubelogin has under another name (deprecated or newer): when given, it sets these other options of its group,
   * which setup prints instead of it.
   */
  readonly implies?: (value: never) => Record<string, unknown>;
  /** A list whose repeated items count once. */
  readonly unique?: boolean;
  /** A list of listen addresses: each is checked as it is read, so a bad one is a usage error whatever the grant. */
  readonly listenAddresses?: boolean;
  /** Reading it (-v) is left to commander: the cache-hit parser hands the whole command line over. */
  readonly handOff?: boolean;
  /** Asks for more than a cached credential (--force-refresh): no hit reader answers a run that has it. */
  readonly neverHit?: true;
  /**
   * Names whom the tokens are for (a token to exchange, or its file): a session is keyed on a hash of the value, and no
   * hit reader answers a run that has it, by flag or variable (a hit file records that a secret was given, not which).
   */
  readonly identity?: true;
  /** A file or directory: `~` and `~/…` stand for the home directory, as in kubelogin (kubeconfigs carry `~/.kube/…`). */
  readonly path?: true;
  /**
   * Why this value, copied into a kubeconfig, may suit only the machine it was given on (setup says so beside it); a
   * path row without one gets the general word about files of this machine.
   */
  readonly local?: (value: string) => string | undefined;
}
