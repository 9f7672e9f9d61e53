import { PluginError } from '../errors.js';
import type { Provider } from '../oidc/provider.js';
import { tokenExchange } from '../oidc/token-exchange.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';

/**
 * RFC 8693 token exchange with kubelogin's flags; the subject and actor tokens come from a flag, the environment
 * (KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN) or a file. kubectl gets the ID token when the IdP issues one, else the
 * issued (access) token.
 */
export const loginWithTokenExchange = async (provider: Provider, options: LoginInput): Promise<TokenSet> => {
  const { login } = options;
  if (!login.tokenExchangeSubjectToken) {
    throw new PluginError(
      'usage',
      '--grant-type=token-exchange needs the token to exchange',
      'pass --token-exchange-subject-token-file, or KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN in the exec env',
    );
  }
  const tokens = await tokenExchange(provider, {
    subjectToken: login.tokenExchangeSubjectToken,
    subjectTokenType: login.tokenExchangeSubjectTokenType,
    ...(login.tokenExchangeActorToken ? { actorToken: login.tokenExchangeActorToken } : {}),
    ...(login.tokenExchangeActorTokenType ? { actorTokenType: login.tokenExchangeActorTokenType } : {}),
    ...(login.tokenExchangeRequestedTokenType ? { requestedTokenType: login.tokenExchangeRequestedTokenType } : {}),
    resources: login.tokenExchangeResources,
    audiences: login.tokenExchangeAudiences,
    extraScopes: options.provider.extraScopes,
  });
  return tokens.idToken ? tokens : { ...tokens, accessTokenIsCredential: true };
};
