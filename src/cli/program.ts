import { Command, CommanderError } from 'commander';
import { oneLine } from '../errors.js';
import { isVerbose } from '../log.js';
import { complete, formatCompletion } from '../options/completion.js';
import { registerCompletion } from './completion.js';
import { registerGetToken } from './get-token.js';
import { registerClean, registerLogout } from './logout.js';
import { registerMigrate } from './migrate.js';
import { printReport, reportFailure } from './report.js';
import { registerSetup } from './setup.js';
import { registerStatus } from './status.js';

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

const COMMANDS: Record<string, (program: Command) => void> = {
  'get-token': registerGetToken,
  logout: registerLogout,
  clean: registerClean,
  migrate: registerMigrate,
  setup: registerSetup,
  status: registerStatus,
  completion: registerCompletion,
};

/** Registers only the command being run (kubectl runs get-token before every command); all of them for help. */
const buildProgram = (commandName: string | undefined): Command => {
  const program = new Command('kubectl-oidc')
    .description('kubectl credential plugin for OpenID Connect')
    .version(VERSION, '--version')
    // Errors are printed by run() as one line; subcommands inherit both settings.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  const only = commandName ? COMMANDS[commandName] : undefined;
  if (only) only(program);
  else for (const register of new Set(Object.values(COMMANDS))) register(program);
  return program;
};

/** Runs the CLI and exits: 0 on success, 2 on bad usage, 130 on Ctrl-C, 1 otherwise. Errors are one line on stderr. */
export const run = async (argv: string[]): Promise<void> => {
  // Cobra's protocol for shell completion (kubectl_complete-oidc and our scripts): the words to complete, as typed.
  if (argv[2] === '__complete') return printReport(formatCompletion(complete(argv.slice(3))));
  const program = buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with a CommanderError too, after printing; so does a bare `kubectl-oidc` (help on stderr).
      if (err.exitCode === 0) return;
      process.exitCode = 2;
      if (err.code === 'commander.help') return;
      const command = program.commands.find((c) => c.name() === argv[2]);
      const help = command ? `kubectl-oidc ${command.name()} --help` : 'kubectl-oidc --help';
      process.stderr.write(`kubectl-oidc: ${oneLine(err.message.replace(/^error: /, ''))} (see ${help})\n`);
      return;
    }
    reportFailure(err, isVerbose());
  }
};
