import type { Command } from 'commander';
import { PluginError } from '../errors.js';
import { getTokenOptionsOf } from '../options/parse.js';
import { ambientOf, runLogger } from './ambient.js';
import { addOptions, groupsOf } from './options.js';
import { printReport } from './report.js';

const DESCRIPTIONS = {
  logout:
    'remove the session of an issuer and client (or every session with --all) and revoke its refresh token at the IdP; ' +
    "get-token's other flags are taken and ignored",
  clean:
    "remove every cached session, as kubelogin's clean does (or only the session of the issuer and client given), revoking refresh tokens",
};

/**
 * logout and clean take the same options (a session's flags, or --all). logout insists on knowing which session;
 * clean without them removes every session, as kubelogin's clean does.
 */
const register =
  (name: 'logout' | 'clean') =>
  (program: Command): void => {
    const command = program.command(name).description(DESCRIPTIONS[name]);
    addOptions(command, 'logout', name).action(async () => {
      const groups = groupsOf(command, 'logout');
      const options = getTokenOptionsOf(groups);
      const named = Boolean(options.provider.issuerUrl && options.provider.clientId);
      const all = groups.logout?.all === true || (name === 'clean' && !named);
      if (!all && !named) {
        throw new PluginError('usage', 'logout needs --oidc-issuer-url and --oidc-client-id (the flags of the session), or --all');
      }
      const log = runLogger(options.verbose, options.noColor);
      const { logout } = await import('../commands/logout/logout.js');
      const { report, kept } = await logout(options, all, groups.logout?.skipRevoke !== true, ambientOf(log));
      printReport(report);
      if (kept > 0) {
        throw new PluginError(
          'issuer_unreachable',
          `kept ${kept} session${kept === 1 ? '' : 's'} whose IdP could not be reached to revoke ${kept === 1 ? 'its' : 'their'} refresh token`,
          'run the logout printed above once the IdP can be reached, or add --skip-revoke to remove without revoking',
        );
      }
    });
  };

export const registerLogout = register('logout');
export const registerClean = register('clean');
