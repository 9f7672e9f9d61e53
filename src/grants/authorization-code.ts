import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import { deadlineOf, idpErrorFix, translateError } from '../oidc/errors.js';
import { describeAnswer, failedAnswerOf } from '../oidc/failed-answer.js';
import type { Provider } from '../oidc/provider.js';
import { grantTokens, scopeOf } from '../oidc/token-request.js';
import type { PkceMethod } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';

export interface AuthorizationRequest {
  url: URL;
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string | undefined;
}

export interface AuthorizationSettings {
  redirectUri: string;
  extraScopes: string[];
  pkceMethod: PkceMethod;
  extraParams: Record<string, string>;
}

/**
 * PKCE unless disabled: with `auto` we send S256 unless discovery lists methods without it. Sending PKCE to an IdP
 * that does not advertise it is harmless (RFC 7636 §5) and makes IdPs that omit the field (Entra ID) just work.
 */
export const usesPkce = (method: PkceMethod, advertised: string[] | undefined): boolean => {
  if (method === 'no') return false;
  if (method === 'S256') return true;
  return advertised === undefined || advertised.includes('S256');
};

export const prepareAuthorization = async (provider: Provider, settings: AuthorizationSettings): Promise<AuthorizationRequest> => {
  const metadata = provider.config.serverMetadata();
  const codeVerifier = usesPkce(settings.pkceMethod, metadata.code_challenge_methods_supported)
    ? client.randomPKCECodeVerifier()
    : undefined;
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params: Record<string, string> = {
    ...settings.extraParams,
    redirect_uri: settings.redirectUri,
    response_type: 'code',
    scope: scopeOf(settings.extraScopes),
    state,
    nonce,
  };
  if (codeVerifier) {
    params.code_challenge = await client.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  provider.log.debug(`PKCE ${codeVerifier ? 'S256' : 'off'}; scopes "${params.scope}"; redirect URI ${settings.redirectUri}`);
  return { url: client.buildAuthorizationUrl(provider.config, params), redirectUri: settings.redirectUri, state, nonce, codeVerifier };
};

/**
 * Asks the authorization endpoint once without a browser, so that an IdP that rejects the request outright (an
 * unregistered redirect URI, an unknown client) is reported at once instead of after the login timeout. Only a
 * 400 answer counts; anything else is left to the browser.
 */
export const preflightAuthorization = async (provider: Provider, request: AuthorizationRequest): Promise<void> => {
  let response: Response;
  try {
    response = await provider.fetch(request.url.href, { redirect: 'manual' });
  } catch (err) {
    // A certificate we do not trust fails the code exchange later just the same, and a server that takes the request
    // and never answers will not answer the browser either: say so now, before any browser opens. A host this machine
    // cannot reach may still be one the browser reaches (through its own proxy settings).
    const translated = translateError(err, 'the authorization request', request.url.href);
    const stalled = deadlineOf(err)?.phase === 'answer';
    if (translated.code === 'tls' || translated.code === 'interrupted' || stalled) throw translated;
    provider.log.debug(`authorization preflight skipped: ${translated.message}`);
    return;
  }
  const answer = response.status === 400 ? failedAnswerOf(response) : undefined;
  if (!answer) {
    await response.body?.cancel();
    return;
  }
  const said = answer.error ? `${answer.error} ${answer.errorDescription ?? ''}` : answer.text;
  const redirect = /redirect_uri|redirect uri|AADSTS50011/i.test(said);
  // An error page says in words what a JSON error would: the OAuth error code, when it names one.
  const error = answer.error ?? /\b(invalid_client|unauthorized_client|invalid_scope|invalid_request)\b/.exec(said)?.[1];
  throw new PluginError(
    redirect ? 'redirect_uri_mismatch' : 'authorization_rejected',
    redirect
      ? `the IdP rejected the redirect URI ${request.redirectUri} for client "${provider.options.clientId}"`
      : `the authorization request failed: ${describeAnswer(answer)}`,
    redirect
      ? `register ${request.redirectUri} as a redirect URI of the client at the IdP, or pass the registered one with --oidc-redirect-url`
      : idpErrorFix(error, answer.status, false),
  );
};

/**
 * Exchanges the code from the loopback callback. openid-client derives the token request's redirect_uri from the
 * callback URL, and a URL without a path serializes with a trailing "/" (http://localhost:8000/), which IdPs that
 * compare strings reject (panva/openid-client#791). RFC 6749 §4.1.3 wants exactly the value of the authorization
 * request, so the form field is set back to it on the way out.
 */
export const exchangeCode = async (provider: Provider, request: AuthorizationRequest, callbackUrl: URL): Promise<TokenSet> => {
  const config = provider.fetchingWith((url, init = {}) => {
    if (init.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code') {
      init.body.set('redirect_uri', request.redirectUri);
    }
    return provider.fetch(url, init);
  });
  return grantTokens(
    provider,
    'authorization_code',
    () =>
      client.authorizationCodeGrant(config, callbackUrl, {
        expectedState: request.state,
        expectedNonce: request.nonce,
        pkceCodeVerifier: request.codeVerifier,
        idTokenExpected: true,
      }),
    { nonce: request.nonce },
  );
};
