import { Argument, Command, CommanderError } from 'commander';
import { type CommandRun, type CommandSpec, EXAMPLE_CLUSTER, EXAMPLE_ISSUER_LINES } from '../commands/command.js';
import { command as completion } from '../commands/completion/command.js';
import { command as getToken } from '../commands/get-token/command.js';
import { command as login } from '../commands/login/command.js';
import { cleanCommand as clean, command as logout } from '../commands/logout/command.js';
import { command as migrate } from '../commands/migrate/command.js';
import { command as setup } from '../commands/setup/command.js';
import { command as status } from '../commands/status/command.js';
import { VERSION, command as version } from '../commands/version/command.js';
import { oneLine } from '../errors.js';
import { COMMANDS, type CommandName, isCommand } from '../options/commands.js';
import { complete, formatCompletion } from '../options/completion.js';
import { ambientOf, currentLogger, runLogger } from './ambient.js';
import { forgetSecretVariables, startEnvironment } from './environment.js';
import { helpConfiguration, helpWidth } from './help.js';
import { addOptions, groupsOf, klogFlagsGiven } from './options.js';
import { ownCommand } from './own-command.js';
import { printReport, reportFailure } from './report.js';

const SPECS: Record<CommandName, CommandSpec> = {
  'get-token': getToken,
  setup,
  login,
  logout,
  clean,
  status,
  migrate,
  completion,
  version,
};

const indented = (lines: string[]): string[] => lines.flatMap((line) => line.split('\n')).map((line) => `  ${line}`);

/** The end of the root help: where to start. */
const WHERE_TO_START = [
  'Where to start:',
  ...indented([
    '# A cluster to use: log in, and get a kubeconfig context that works',
    `kubectl-oidc login ${EXAMPLE_ISSUER_LINES} \\`,
    `  ${EXAMPLE_CLUSTER}`,
    '# Flags to find or an IdP to check: what the cluster makes of your token',
    `kubectl-oidc setup ${EXAMPLE_ISSUER_LINES}`,
    '# Coming from kubelogin',
    'kubectl-oidc migrate --dry-run',
  ]),
].join('\n');

/** A command of the table, with its flags, help and examples, running its spec with what this process knows. */
const register = (program: Command, name: CommandName): void => {
  const spec = SPECS[name];
  const command = program.command(name).description(spec.description);
  const rows = COMMANDS[name];
  if (rows) addOptions(command, rows, name);
  if (spec.argument) command.addArgument(new Argument(spec.argument.name, spec.argument.description).choices(spec.argument.choices));
  command.addHelpText('after', ['', 'Examples:', ...indented(spec.examples)].join('\n'));
  command.action(async (argument: unknown) => {
    const run: CommandRun = {
      groups: rows ? groupsOf(command, rows) : {},
      ...(typeof argument === 'string' ? { argument } : {}),
      ambient: (verbosity, noColor) => ambientOf(runLogger(verbosity, noColor)),
      print: (text, paint) => printReport(paint && currentLogger().colorOn(process.stdout) ? paint(text) : text),
      startEnvironment,
      env: process.env,
      args: process.argv.slice(2),
      ownCommand,
      klogFlags: klogFlagsGiven(command),
      exitWith: (code) => {
        process.exitCode = code;
      },
    };
    await spec.run(run);
  });
};

/** Registers only the command being run (kubectl runs get-token before every command); all of them for help. */
const buildProgram = (commandName: string | undefined): Command => {
  const program = new Command('kubectl-oidc')
    .description('kubectl credential plugin for OpenID Connect')
    .version(VERSION, '--version')
    // Errors are printed by run() as one line; subcommands inherit both settings.
    .exitOverride()
    .configureOutput({
      outputError: () => undefined,
      getOutHelpWidth: () => helpWidth(process.stdout),
      getErrHelpWidth: () => helpWidth(process.stderr),
    })
    .configureHelp(helpConfiguration);

  const names = isCommand(commandName) ? [commandName] : (Object.keys(COMMANDS) as CommandName[]);
  for (const name of names) register(program, name);
  program.addHelpText('after', `\n${WHERE_TO_START}`);
  return program;
};

/** The edit distance between two flags (Levenshtein), for suggestions. */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
};

/** The first long flag this command does not know, as one line with the nearest one it does ("did you mean …?"). */
const unknownFlag = (command: Command, args: string[]): string | undefined => {
  const known = [...command.options.filter((o) => !o.hidden).map((o) => o.long!), '--help'];
  const all = new Set([...command.options.map((o) => o.long!), '--help']);
  for (const arg of args) {
    if (arg === '--') return undefined;
    if (!arg.startsWith('--')) continue;
    const name = arg.split('=')[0]!;
    if (all.has(name) || (name.startsWith('--no-') && all.has(`--${name.slice(5)}`))) continue;
    // A flag cut short (--oidc-issuer) or a few letters off (--oidc-extra-scopes); nothing for what resembles no flag.
    const nearest = known
      .map((flag) => ({ flag, d: flag.startsWith(name) && name.length >= 6 ? 0 : distance(name, flag) }))
      .filter(({ d }) => d <= Math.max(1, Math.floor(name.length / 4)))
      .sort((x, y) => x.d - y.d)[0];
    return `unknown option '${name}'${nearest ? ` (did you mean ${nearest.flag}?)` : ''}`;
  }
  return undefined;
};

/** Runs the CLI and exits: 0 on success, 2 on bad usage, 130 on Ctrl-C, 1 otherwise. Errors are one line on stderr. */
export const run = async (argv: string[]): Promise<void> => {
  // Cobra's protocol for shell completion (kubectl_complete-oidc and our scripts): the words to complete, as typed.
  if (argv[2] === '__complete') return printReport(formatCompletion(complete(argv.slice(3))));
  const program = buildProgram(argv[2]);
  // The command's options are read (from flags and variables) before its action: then no child needs the secrets.
  program.hook('preAction', forgetSecretVariables);
  try {
    const command = program.commands.find((c) => c.name() === argv[2]);
    if (command) {
      // A misspelled flag is named first, with the nearest real one: before commander's "required option … not specified"
      // (for --oidc-issuer, a typo of a required flag) and in the --flag=value form it leaves without a suggestion.
      const unknown = unknownFlag(command, argv.slice(3));
      if (unknown) throw new CommanderError(2, 'commander.unknownOption', unknown);
    }
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
    reportFailure(err, currentLogger());
  }
};
