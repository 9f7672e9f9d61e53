import { Option, type Command } from 'commander';
import { PluginError } from '../errors.js';
import { setVerbosity } from '../log.js';
import { addGetTokenFlags, toGetTokenOptions, type RawGetTokenFlags } from './flags.js';

export const registerLogout = (program: Command): void => {
  addGetTokenFlags(
    program
      .command('logout')
      .alias('clean')
      .description('remove the session of these flags (or every session with --all) and revoke its refresh token at the IdP')
      .addOption(new Option('--all', 'remove every session in the token cache')),
    false,
  ).action(async (raw: RawGetTokenFlags & { all?: boolean }) => {
    if (!raw.all && (!raw.oidcIssuerUrl || !raw.oidcClientId)) {
      throw new PluginError('usage', 'logout needs --oidc-issuer-url and --oidc-client-id (the flags of the session), or --all');
    }
    const options = toGetTokenOptions(raw);
    setVerbosity(options.verbose);
    const { logout } = await import('../credential/logout.js');
    await logout(options, raw.all === true);
  });
};
