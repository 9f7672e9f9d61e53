import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import { debug } from '../log.js';
import type { PkceMethod } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { deadlineOf, idpErrorFix, translateError } from './errors.js';
import { describeAnswer, failedAnswerOf } from './failed-answer.js';
import type { Provider } from './provider.js';
import { authenticated, grantTokens } from './token-request.js';

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

export const scopeOf = (extraScopes: string[]): string => [...new Set(['openid', ...extraScopes])].join(' ');

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
  debug(`PKCE ${codeVerifier ? 'S256' : 'off'}; scopes "${params.scope}"; redirect URI ${settings.redirectUri}`);
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
    debug(`authorization preflight skipped: ${translated.message}`);
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
  const { config } = provider;
  const baseFetch = provider.fetch;
  config[client.customFetch] = ((url: string, init: RequestInit) => {
    if (init.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code') {
      init.body.set('redirect_uri', request.redirectUri);
    }
    return baseFetch(url, init);
  }) as client.CustomFetch;
  try {
    return await grantTokens(provider, 'authorization_code', () =>
      client.authorizationCodeGrant(config, callbackUrl, {
        expectedState: request.state,
        expectedNonce: request.nonce,
        pkceCodeVerifier: request.codeVerifier,
        idTokenExpected: true,
      }),
    );
  } finally {
    config[client.customFetch] = baseFetch as client.CustomFetch;
  }
};

export interface DeviceAuthorization {
  response: client.DeviceAuthorizationResponse;
  codeVerifier: string | undefined;
}

/**
 * RFC 8628 device authorization, with PKCE whenever the IdP offers PKCE at all (Keycloak can require it on this flow;
 * servers that do not know the parameters ignore them).
 */
export const startDeviceAuthorization = async (
  provider: Provider,
  settings: { extraScopes: string[]; pkceMethod: PkceMethod; extraParams: Record<string, string> },
): Promise<DeviceAuthorization> => {
  const { config } = provider;
  const metadata = config.serverMetadata();
  const endpoint = metadata.device_authorization_endpoint;
  if (!endpoint) {
    throw new PluginError(
      'usage',
      `the IdP ${metadata.issuer} offers no device authorization endpoint`,
      'use --grant-type=authcode-keyboard or authcode',
    );
  }
  const codeVerifier =
    settings.pkceMethod !== 'no' && (settings.pkceMethod === 'S256' || metadata.code_challenge_methods_supported?.includes('S256'))
      ? client.randomPKCECodeVerifier()
      : undefined;
  const params: Record<string, string> = { ...settings.extraParams, scope: scopeOf(settings.extraScopes) };
  if (codeVerifier) {
    params.code_challenge = await client.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  const response = await authenticated(provider.authenticator, 'the device authorization request', endpoint, () =>
    client.initiateDeviceAuthorization(config, params),
  );
  return { response, codeVerifier };
};

/** Polls the token endpoint as RFC 8628 says (interval, slow_down, authorization_pending) until done, denied, expired or aborted. */
export const pollDeviceAuthorization = async (provider: Provider, device: DeviceAuthorization, signal: AbortSignal): Promise<TokenSet> => {
  const { config } = provider;
  try {
    return await grantTokens(provider, 'device_code', () =>
      client.pollDeviceAuthorizationGrant(
        config,
        device.response,
        device.codeVerifier ? { code_verifier: device.codeVerifier } : undefined,
        { signal },
      ),
    );
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = err instanceof PluginError ? err.cause : err;
    const error = cause instanceof client.ResponseBodyError ? cause.error : undefined;
    if (error === 'expired_token') {
      throw new PluginError(
        'timeout',
        'the device code expired before the login was completed',
        'run the command again and finish the login sooner',
      );
    }
    if (error === 'access_denied') throw new PluginError('login_failed', 'the login was denied at the IdP (access_denied)');
    throw err;
  }
};

/** Client credentials (machine to machine); `extra` carries e.g. Authentik's username + app password. */
export const clientCredentials = async (provider: Provider, extraScopes: string[], extra: Record<string, string>): Promise<TokenSet> => {
  const { config } = provider;
  const params: Record<string, string> = { ...extra };
  if (extraScopes.length > 0) params.scope = extraScopes.join(' ');
  try {
    return await grantTokens(provider, 'client_credentials', () => client.clientCredentialsGrant(config, params));
  } catch (err) {
    // Some IdPs (LemonLDAP::NG) grant nothing to a request without a scope.
    if (err instanceof PluginError && extraScopes.length === 0 && failedAnswerOf(err)?.error === 'invalid_scope') {
      throw new PluginError(err.code, err.message, 'this IdP wants a scope on this grant: pass --oidc-extra-scope (e.g. openid)', {
        cause: err,
      });
    }
    throw err;
  }
};

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface TokenExchangeRequest {
  subjectToken: string;
  subjectTokenType: string;
  actorToken?: string;
  actorTokenType?: string;
  requestedTokenType?: string;
  resources: string[];
  audiences: string[];
  extraScopes: string[];
}

/** RFC 8693 token exchange: another party's token (a CI job's, a service account's) for one of this IdP. */
export const tokenExchange = async (provider: Provider, request: TokenExchangeRequest): Promise<TokenSet> => {
  const { config } = provider;
  const params = new URLSearchParams({ subject_token: request.subjectToken, subject_token_type: request.subjectTokenType });
  if (request.actorToken) params.set('actor_token', request.actorToken);
  if (request.actorTokenType) params.set('actor_token_type', request.actorTokenType);
  if (request.requestedTokenType) params.set('requested_token_type', request.requestedTokenType);
  for (const resource of request.resources) params.append('resource', resource);
  for (const audience of request.audiences) params.append('audience', audience);
  if (request.extraScopes.length > 0) params.set('scope', scopeOf(request.extraScopes));
  return grantTokens(provider, 'token-exchange', () => client.genericGrantRequest(config, TOKEN_EXCHANGE, params));
};

/** Resource owner password credentials (RFC 6749 §4.3), kept for compatibility with IdPs that still allow it. */
export const passwordGrant = async (provider: Provider, username: string, password: string, extraScopes: string[]): Promise<TokenSet> => {
  const { config } = provider;
  return grantTokens(provider, 'password', () =>
    client.genericGrantRequest(config, 'password', { username, password, scope: scopeOf(extraScopes) }),
  );
};
