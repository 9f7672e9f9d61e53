import { Option, type Command } from 'commander';
import { setVerbosity } from '../log.js';
import { addGetTokenFlags, collectKeyValue, toGetTokenOptions, type RawGetTokenFlags } from './flags.js';

interface RawSetupFlags extends RawGetTokenFlags {
  oidcUsernameClaim: string;
  oidcUsernamePrefix?: string;
  oidcGroupsClaim?: string;
  oidcGroupsPrefix?: string;
  oidcRequiredClaim: Record<string, string>;
  oidcSigningAlgs: string;
  authenticationConfig?: string;
  output: 'text' | 'json';
  showSecrets?: boolean;
  saveSession?: boolean;
  kubeconfigUser: string;
}

export const registerSetup = (program: Command): void => {
  addGetTokenFlags(
    program
      .command('setup')
      .description('check the issuer, log in once, show the claims and what kube-apiserver makes of them, and print the configuration for both sides')
      .addOption(new Option('--oidc-username-claim <claim>', "kube-apiserver's --oidc-username-claim").default('sub'))
      .addOption(new Option('--oidc-username-prefix <prefix>', "kube-apiserver's --oidc-username-prefix (default: <issuer>#, none for email; - for none)"))
      .addOption(new Option('--oidc-groups-claim <claim>', "kube-apiserver's --oidc-groups-claim"))
      .addOption(new Option('--oidc-groups-prefix <prefix>', "kube-apiserver's --oidc-groups-prefix"))
      .addOption(new Option('--oidc-required-claim <key=value>', "kube-apiserver's --oidc-required-claim (repeatable)").argParser(collectKeyValue('--oidc-required-claim')).default({}))
      .addOption(new Option('--oidc-signing-algs <algs>', "kube-apiserver's --oidc-signing-algs").default('RS256'))
      .addOption(new Option('--authentication-config <file>', "judge with this AuthenticationConfiguration (kube-apiserver's --authentication-config) instead of the legacy flags"))
      .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
      .addOption(new Option('--show-secrets', 'show the client secret in the printed configuration'))
      .addOption(new Option('--save-session', 'keep the tokens of this login in the session cache, as get-token would'))
      .addOption(new Option('--kubeconfig-user <name>', 'user name in the printed kubeconfig snippets').default('oidc')),
  ).action(async (raw: RawSetupFlags) => {
    const getToken = toGetTokenOptions(raw);
    setVerbosity(getToken.verbose);
    const { setup } = await import('../diagnose/setup.js');
    const healthy = await setup({
      getToken,
      apiserver: {
        usernameClaim: raw.oidcUsernameClaim,
        ...(raw.oidcUsernamePrefix !== undefined ? { usernamePrefix: raw.oidcUsernamePrefix } : {}),
        ...(raw.oidcGroupsClaim ? { groupsClaim: raw.oidcGroupsClaim } : {}),
        ...(raw.oidcGroupsPrefix !== undefined ? { groupsPrefix: raw.oidcGroupsPrefix } : {}),
        requiredClaims: raw.oidcRequiredClaim,
        signingAlgs: raw.oidcSigningAlgs.split(',').map((alg) => alg.trim()).filter(Boolean),
      },
      ...(raw.authenticationConfig ? { authenticationConfigFile: raw.authenticationConfig } : {}),
      output: raw.output,
      showSecrets: raw.showSecrets === true,
      saveSession: raw.saveSession === true,
      kubeconfigUser: raw.kubeconfigUser,
    });
    if (!healthy) process.exitCode = 1;
  });
};
