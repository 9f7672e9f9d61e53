import type { Command } from 'commander';
import { debug, setVerbosity } from '../log.js';
import { getTokenOptionsOf } from '../options/parse.js';
import { addOptions, groupsOf, klogFlagsGiven } from './options.js';
import { getTokenWith } from './run-get-token.js';

export const registerGetToken = (program: Command): void => {
  const command = program.command('get-token').description('print an ExecCredential for kubectl, logging in or refreshing when needed');
  addOptions(command, 'get-token').action(async () => {
    const options = getTokenOptionsOf(groupsOf(command, 'get-token'));
    setVerbosity(options.verbose);
    const klog = klogFlagsGiven(command);
    if (klog.length > 0) debug(`ignoring kubelogin's logging flags ${klog.join(' ')} (kubectl-oidc logs with -v alone)`);
    await getTokenWith({ options, run: { args: process.argv.slice(2), env: process.env } });
  });
};
