import { PluginError } from '../../errors.js';
import { getTokenOptionsOf } from '../../options/parse.js';
import { type CommandSpec, EXAMPLE_ISSUER_LINES } from '../command.js';

/**
 * logout and clean take the same options (a session's flags, or --all). logout insists on knowing which session;
 * clean without them removes every session, as kubelogin's clean does.
 */
const logoutOrClean =
  (name: 'logout' | 'clean'): CommandSpec['run'] =>
  async ({ groups, ambient, print }) => {
    const options = getTokenOptionsOf(groups);
    const named = Boolean(options.provider.issuerUrl && options.provider.clientId);
    const all = groups.logout?.all === true || (name === 'clean' && !named);
    if (!all && !named) {
      throw new PluginError('usage', 'logout needs --oidc-issuer-url and --oidc-client-id (the flags of the session), or --all');
    }
    const run = ambient(options.verbose, options.noColor);
    const { logout } = await import('./logout.js');
    const { report, kept } = await logout(options, all, groups.logout?.skipRevoke !== true, run);
    print(report);
    if (kept > 0) {
      throw new PluginError(
        'issuer_unreachable',
        `kept ${kept} session${kept === 1 ? '' : 's'} whose IdP could not be reached to revoke ${kept === 1 ? 'its' : 'their'} refresh token`,
        'run the logout printed above once the IdP can be reached, or add --skip-revoke to remove without revoking',
      );
    }
  };

export const command: CommandSpec = {
  description:
    'remove the session of an issuer and client (or every session with --all) and revoke its refresh token at the IdP; ' +
    "get-token's other flags are taken and ignored",
  examples: [
    '# Revoke and remove the session of this issuer and client',
    `kubectl-oidc logout ${EXAMPLE_ISSUER_LINES}`,
    '# Every session',
    'kubectl-oidc logout --all',
  ],
  run: logoutOrClean('logout'),
};

export const cleanCommand: CommandSpec = {
  description:
    "remove every cached session, as kubelogin's clean does (or only the session of the issuer and client given), revoking refresh tokens",
  examples: ['# Remove every session, revoking refresh tokens, as kubelogin clean does', 'kubectl-oidc clean'],
  run: logoutOrClean('clean'),
};
