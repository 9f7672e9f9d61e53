import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import type { Provider } from '../oidc/provider.js';
import { authenticated, grantTokens, scopeOf } from '../oidc/token-request.js';
import type { LoginInput, PkceMethod } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { openBrowser } from './browser.js';
import { loginSignal } from './signal.js';

interface DeviceAuthorization {
  response: client.DeviceAuthorizationResponse;
  codeVerifier: string | undefined;
}

/**
 * RFC 8628 device authorization, with PKCE whenever the IdP offers PKCE at all (Keycloak can require it on this flow;
 * servers that do not know the parameters ignore them).
 */
const startDeviceAuthorization = async (
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
  const response = await authenticated(provider.authenticator, provider.log, 'the device authorization request', endpoint, () =>
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

/**
 * RFC 8628: the person logs in on any device; we poll. Ctrl-C and the timeout stop the polling at once. `started` is
 * called once the IdP has handed out the code.
 */
export const loginWithDeviceCode = async (
  provider: Provider,
  options: LoginInput,
  canOpenBrowser: boolean,
  cancel?: AbortSignal,
  started?: () => void,
): Promise<TokenSet> => {
  const { signal, dispose } = loginSignal(provider, options.login.authenticationTimeoutSec, cancel, true);
  try {
    const device = await startDeviceAuthorization(provider, {
      extraScopes: options.provider.extraScopes,
      pkceMethod: options.login.pkceMethod,
      extraParams: options.login.authRequestExtraParams,
    });
    started?.();
    const { verification_uri: uri, verification_uri_complete: complete, user_code: code } = device.response;
    // The code on a line of its own, spaced out and (on a colour terminal) bold: it is read off a screen and typed.
    const { log } = provider;
    log.info(
      `to log in, open ${uri} on any device and enter the code\n\n        ${log.emphasis(code)}\n${complete ? `\n    or open ${complete}\n` : ''}`,
    );
    if (complete && canOpenBrowser) await openBrowser(complete, options.login, log, false);
    return await pollDeviceAuthorization(provider, device, signal);
  } finally {
    dispose();
  }
};
