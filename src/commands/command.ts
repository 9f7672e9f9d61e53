import type { Ambient } from '../ambient.js';
import type { Groups } from '../options/parse.js';

/**
 * What the command line hands a command when it runs: the flags it read, by group of the option table, and the facts of
 * this process a command may use. Only cli/ reads argv, the clock and the terminal; a command gets them here.
 */
export interface CommandRun {
  /** The options (flags, then variables, then defaults), by group of the option table. */
  groups: Groups;
  /** The positional argument, where the command takes one (completion's shell). */
  argument?: string;
  /** The system's clock and the run's logger, made once the verbosity is known (-v, --no-color). */
  ambient(verbosity: number, noColor?: boolean): Ambient;
  /** A report on stdout; `paint` colours it where stdout is a terminal that takes colour. */
  print(text: string, paint?: (text: string) => string): void;
  /** The environment the process started with, secret variables included: what a hit file stands for. */
  startEnvironment: NodeJS.ProcessEnv;
  /** The environment now, without the secret variables. */
  env: NodeJS.ProcessEnv;
  /** The arguments after the program's name, as typed (what a hit file stands for). */
  args: string[];
  /** The command a kubeconfig on this machine runs to get here (login and migrate write it). */
  ownCommand(): string;
  /** kubelogin's logging flags this run was given, as spelled (taken and ignored). */
  klogFlags: string[];
  /** The run ends with this status, though nothing was thrown (migrate: the users it could not carry over, each said). */
  exitWith(code: number): void;
}

/** A command of the command line: its help and what it does. Its flags are the option table's rows for it. */
export interface CommandSpec {
  description: string;
  /** What a person runs most with it, at the end of its help (lines fit 80 columns with their indent). */
  examples: string[];
  /** A positional argument and its choices. */
  argument?: { name: string; description: string; choices: readonly string[] };
  /** Runs the command; a failure is thrown (one line on stderr). */
  run(run: CommandRun): Promise<void> | void;
}

// What the examples of several commands share.
export const EXAMPLE_ISSUER = '--oidc-issuer-url=https://idp.example.com --oidc-client-id=kubernetes';
/** The issuer flags on two lines, after a command's first words. */
export const EXAMPLE_ISSUER_LINES = EXAMPLE_ISSUER.replace(' ', ' \\\n  ');
export const EXAMPLE_CLUSTER = '--context=dev --server=https://dev.example.com:6443 \\\n  --cluster-ca=dev-ca.pem';
