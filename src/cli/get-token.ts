import type { Command } from 'commander';
import { setVerbosity } from '../log.js';
import { getTokenOptionsOf } from '../options/parse.js';
import { addOptions, groupsOf } from './options.js';
import { getTokenWith } from './run-get-token.js';

export const registerGetToken = (program: Command): void => {
  const command = program.command('get-token').description('print an ExecCredential for kubectl, logging in or refreshing when needed');
  addOptions(command, 'get-token').action(async () => {
    const options = getTokenOptionsOf(groupsOf(command, 'get-token'));
    setVerbosity(options.verbose);
    await getTokenWith({ options, run: { args: process.argv.slice(2), env: process.env } });
  });
};
