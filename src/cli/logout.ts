import type { Command } from 'commander';
import { PluginError } from '../errors.js';
import { setVerbosity } from '../log.js';
import { getTokenOptionsOf } from '../options/parse.js';
import { addOptions, groupsOf } from './options.js';
import { printReport } from './report.js';

export const registerLogout = (program: Command): void => {
  const command = program
    .command('logout')
    .alias('clean')
    .description('remove the session of these flags (or every session with --all) and revoke its refresh token at the IdP');
  addOptions(command, 'logout').action(async () => {
    const groups = groupsOf(command, 'logout');
    const options = getTokenOptionsOf(groups);
    const all = groups.logout?.all === true;
    if (!all && (!options.provider.issuerUrl || !options.provider.clientId)) {
      throw new PluginError('usage', 'logout needs --oidc-issuer-url and --oidc-client-id (the flags of the session), or --all');
    }
    setVerbosity(options.verbose);
    const { logout } = await import('../credential/logout.js');
    printReport(await logout(options, all));
  });
};
