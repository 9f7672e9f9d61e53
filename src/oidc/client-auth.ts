import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { PluginError } from '../errors.js';

/**
 * How a client proves itself to the IdP. `client_secret_basic_unescaped` is Basic without RFC 6749 §2.3.1's
 * form-encoding, for servers that do not decode it; `bearer` is the access token, which some servers take for revocation.
 */
export type ClientAuthMethod =
  | 'none'
  | 'bearer'
  | 'client_secret_basic'
  | 'client_secret_basic_unescaped'
  | 'client_secret_post'
  | 'client_assertion';

/** The methods a secret can use, and so what is worth remembering per issuer and client. */
export type SecretMethod = 'client_secret_basic' | 'client_secret_basic_unescaped' | 'client_secret_post';

export const isSecretMethod = (value: unknown): value is SecretMethod =>
  value === 'client_secret_basic' || value === 'client_secret_basic_unescaped' || value === 'client_secret_post';

/** The authentication of one client at one endpoint: openid-client's hook, and a second method to try after a refusal. */
export interface ClientAuthenticator {
  auth: client.ClientAuth;
  /** The method of the last request, once one was sent. */
  method(): ClientAuthMethod | undefined;
  /** After the IdP refused the client: switches to the one other method worth a try, or answers false. */
  fallBack(): boolean;
}

type Endpoint = 'token' | 'revocation';

const advertisedMethods = (as: client.ServerMetadata, endpoint: Endpoint): string[] | undefined => {
  const own = endpoint === 'revocation' ? as.revocation_endpoint_auth_methods_supported : undefined;
  const methods = own ?? as.token_endpoint_auth_methods_supported;
  return Array.isArray(methods) ? methods.map(String) : undefined;
};

/** openid-client's form-encoding (RFC 6749 §2.3.1 via application/x-www-form-urlencoded) changes these strings. */
const formEncodingChanges = (value: string): boolean => /[^A-Za-z0-9]/.test(value);

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A client assertion made by someone else (a projected service-account token), read afresh: it rotates. */
const assertionAuthenticator = (file: string): ClientAuthenticator => ({
  auth: (_as, c, body) => {
    let assertion: string;
    try {
      assertion = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new PluginError(
        'usage',
        `cannot read --oidc-client-assertion-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    body.set('client_id', c.client_id);
    body.set('client_assertion_type', JWT_BEARER);
    body.set('client_assertion', assertion);
  },
  method: () => 'client_assertion',
  fallBack: () => false,
});

/**
 * A client secret, sent as the IdP advertises (Basic unless it offers only post; RFC 6749 §2.3.1), or as remembered.
 * When Basic is refused and form-encoding changed the credentials (`ci-bot` → `ci%2Dbot`, which servers that do not
 * decode reject), the next try is Basic unescaped; otherwise post where offered.
 */
const secretAuthenticator = (clientId: string, secret: string, endpoint: Endpoint, remembered?: SecretMethod): ClientAuthenticator => {
  let method: SecretMethod | undefined = remembered;
  let advertised: string[] | undefined;
  const tried = new Set<SecretMethod>();
  return {
    auth: (as, c, body, headers) => {
      advertised = advertisedMethods(as, endpoint);
      method ??=
        !advertised || advertised.includes('client_secret_basic') || !advertised.includes('client_secret_post')
          ? 'client_secret_basic'
          : 'client_secret_post';
      tried.add(method);
      if (method === 'client_secret_post') return client.ClientSecretPost(secret)(as, c, body, headers);
      if (method === 'client_secret_basic') return client.ClientSecretBasic(secret)(as, c, body, headers);
      headers.set('authorization', `Basic ${Buffer.from(`${c.client_id}:${secret}`).toString('base64')}`);
    },
    method: () => (tried.size > 0 ? method : undefined),
    fallBack: () => {
      const next: SecretMethod | undefined =
        method === 'client_secret_basic' && formEncodingChanges(clientId + secret)
          ? 'client_secret_basic_unescaped'
          : advertised?.includes('client_secret_post')
            ? 'client_secret_post'
            : undefined;
      if (!next || tried.has(next)) return false;
      method = next;
      return true;
    },
  };
};

/**
 * A public client: `client_id` in the body (RFC 7009 §2.1 for revocation), or at a revocation endpoint that advertises
 * `bearer` without `none`, the access token.
 */
const publicAuthenticator = (endpoint: Endpoint, accessToken: string | undefined): ClientAuthenticator => {
  let method: 'none' | 'bearer' | undefined;
  let advertised: string[] | undefined;
  const tried = new Set<'none' | 'bearer'>();
  const canBear = (): boolean => endpoint === 'revocation' && accessToken !== undefined && Boolean(advertised?.includes('bearer'));
  return {
    auth: (as, c, body, headers) => {
      advertised = advertisedMethods(as, endpoint);
      method ??= canBear() && !advertised?.includes('none') ? 'bearer' : 'none';
      tried.add(method);
      if (method === 'bearer') headers.set('authorization', `Bearer ${accessToken}`);
      else body.set('client_id', c.client_id);
    },
    method: () => method,
    fallBack: () => {
      const next = method === 'none' && canBear() ? 'bearer' : method === 'bearer' ? 'none' : undefined;
      if (!next || tried.has(next)) return false;
      method = next;
      return true;
    },
  };
};

export interface ClientCredentials {
  clientId: string;
  clientSecret?: string | undefined;
  clientAssertionFile?: string | undefined;
}

/** The authenticator for these credentials at the token or revocation endpoint. */
export const clientAuthenticator = (
  credentials: ClientCredentials,
  endpoint: Endpoint,
  settings: { remembered?: SecretMethod | undefined; accessToken?: string | undefined } = {},
): ClientAuthenticator => {
  if (credentials.clientAssertionFile) return assertionAuthenticator(credentials.clientAssertionFile);
  if (credentials.clientSecret === undefined) return publicAuthenticator(endpoint, settings.accessToken);
  return secretAuthenticator(credentials.clientId, credentials.clientSecret, endpoint, settings.remembered);
};
