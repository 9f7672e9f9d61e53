import type { Command } from 'commander';
import type { StatusOptions } from '../options/types.js';
import { runLogger, systemClock } from './ambient.js';
import { addOptions, groupsOf } from './options.js';
import { printReport } from './report.js';

export const registerStatus = (program: Command): void => {
  const command = program.command('status').description('list the cached sessions (never a token)');
  addOptions(command, 'status').action(async () => {
    const groups = groupsOf(command, 'status');
    runLogger(Number(groups.run?.verbose ?? 0));
    const options = { cache: groups.cache, ...groups.status } as StatusOptions;
    const { status } = await import('../commands/status/status.js');
    printReport(await status(options.cache.tokenCacheDir, options.output, systemClock));
  });
};
