import type { Command } from 'commander';
import { getTokenOptionsOf } from '../options/parse.js';
import { openStore } from '../session/open-store.js';
import { openOnce } from '../session/read-once.js';
import { ambientOf, runLogger } from './ambient.js';
import { startEnvironment } from './environment.js';
import { addOptions, groupsOf, klogFlagsGiven } from './options.js';
import { getTokenWith } from './run-get-token.js';

export const registerGetToken = (program: Command): void => {
  const command = program.command('get-token').description('print an ExecCredential for kubectl, logging in or refreshing when needed');
  addOptions(command, 'get-token').action(async () => {
    const options = getTokenOptionsOf(groupsOf(command, 'get-token'));
    const log = runLogger(options.verbose, options.noColor);
    const klog = klogFlagsGiven(command);
    if (klog.length > 0) log.debug(`ignoring kubelogin's logging flags ${klog.join(' ')} (kubectl-oidc logs with -v alone)`);
    const run = { args: process.argv.slice(2), env: startEnvironment };
    await getTokenWith({ options, run, store: openOnce(() => openStore(options.cache, ambientOf(log))) }, log);
  });
};
