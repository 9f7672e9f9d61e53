import type { Command } from 'commander';
import { setVerbosity } from '../log.js';
import { getTokenOptionsOf } from '../options/parse.js';
import type { SetupOptions } from '../options/types.js';
import { addOptions, groupsOf } from './options.js';
import { printReport } from './report.js';

export const registerSetup = (program: Command): void => {
  const command = program
    .command('setup')
    .description(
      'check the issuer, log in once, show the claims and what kube-apiserver makes of them, and print the configuration for both sides',
    );
  addOptions(command, 'setup').action(async () => {
    const groups = groupsOf(command, 'setup');
    const options = { getToken: getTokenOptionsOf(groups), apiserver: groups.apiserver, ...groups.setup } as SetupOptions;
    setVerbosity(options.getToken.verbose);
    const { setup } = await import('../diagnose/setup.js');
    const { ok, report } = await setup(options);
    printReport(report);
    if (!ok) process.exitCode = 1;
  });
};
