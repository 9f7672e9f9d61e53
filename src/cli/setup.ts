import type { Command } from 'commander';
import { getTokenOptionsOf } from '../options/parse.js';
import type { SetupOptions } from '../options/types.js';
import { ambientOf, runLogger } from './ambient.js';
import { startEnvironment } from './environment.js';
import { addOptions, groupsOf } from './options.js';
import { printReport } from './report.js';

/** The report's verdict marks in colour, and nothing else: ✓ green, ! yellow, ✗ red. */
const paintMarks = (report: string): string =>
  report.replace(/^(\s*)([✓!✗]) /gm, (_, indent: string, mark: string) => {
    const color = mark === '✓' ? 32 : mark === '!' ? 33 : 31;
    return `${indent}\x1b[${color}m${mark}\x1b[39m `;
  });

export const registerSetup = (program: Command): void => {
  const command = program
    .command('setup')
    .description(
      'check the issuer, log in once, show the claims and what kube-apiserver makes of them, and print the configuration for both sides',
    );
  addOptions(command, 'setup').action(async () => {
    const groups = groupsOf(command, 'setup');
    const options = { getToken: getTokenOptionsOf(groups), apiserver: groups.apiserver, ...groups.setup } as SetupOptions;
    const log = runLogger(options.getToken.verbose, options.getToken.noColor);
    const { setup } = await import('../commands/setup/setup.js');
    const { report, failure } = await setup(options, ambientOf(log), startEnvironment);
    printReport(log.colorOn(process.stdout) ? paintMarks(report) : report);
    if (failure) throw failure;
  });
};
