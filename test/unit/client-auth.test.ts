import type * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { clientAuthenticator } from '../../src/oidc/client-auth.js';

/** What one request would carry: the Authorization header and the form fields the authenticator set. */
const send = (
  authenticator: ReturnType<typeof clientAuthenticator>,
  metadata: Partial<client.ServerMetadata>,
  clientId: string,
): { authorization: string | null; body: Record<string, string> } => {
  const body = new URLSearchParams();
  const headers = new Headers();
  authenticator.auth({ issuer: 'https://idp.test', ...metadata } as client.ServerMetadata, { client_id: clientId }, body, headers);
  return { authorization: headers.get('authorization'), body: Object.fromEntries(body) };
};

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('client authentication: what discovery offers, and one other method after a refusal', () => {
  it('Basic by default, form-encoded as RFC 6749 §2.3.1 says; unescaped Basic after a refusal; then nothing more', () => {
    const auth = clientAuthenticator({ clientId: 'ci-bot', clientSecret: 'a-b_c' }, 'token');
    expect(send(auth, {}, 'ci-bot')).toEqual({ authorization: basic('ci%2Dbot', 'a%2Db%5Fc'), body: {} });
    expect(auth.method()).toBe('client_secret_basic');
    expect(auth.fallBack()).toBe(true);
    expect(send(auth, {}, 'ci-bot')).toEqual({ authorization: basic('ci-bot', 'a-b_c'), body: {} });
    expect(auth.fallBack()).toBe(false);
  });

  it('credentials form-encoding leaves alone: after a refused Basic, post where offered, else no retry', () => {
    const offered = clientAuthenticator({ clientId: 'cibot', clientSecret: 'abc123' }, 'token');
    const methods = { token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] };
    send(offered, methods, 'cibot');
    expect(offered.fallBack()).toBe(true);
    expect(send(offered, methods, 'cibot')).toEqual({ authorization: null, body: { client_id: 'cibot', client_secret: 'abc123' } });
    const basicOnly = clientAuthenticator({ clientId: 'cibot', clientSecret: 'abc123' }, 'token');
    send(basicOnly, { token_endpoint_auth_methods_supported: ['client_secret_basic'] }, 'cibot');
    expect(basicOnly.fallBack()).toBe(false);
  });

  it('post when the IdP offers only post; a remembered method first', () => {
    const post = clientAuthenticator({ clientId: 'c', clientSecret: 's' }, 'token');
    expect(send(post, { token_endpoint_auth_methods_supported: ['client_secret_post'] }, 'c').body).toEqual({
      client_id: 'c',
      client_secret: 's',
    });
    const remembered = clientAuthenticator({ clientId: 'c-1', clientSecret: 's' }, 'token', {
      remembered: 'client_secret_basic_unescaped',
    });
    expect(send(remembered, {}, 'c-1').authorization).toBe(basic('c-1', 's'));
  });

  it('public clients: client_id in the body (RFC 7009 §2.1); the access token where revocation offers only bearer', () => {
    const token = clientAuthenticator({ clientId: 'kubectl' }, 'token', { accessToken: 'at' });
    expect(send(token, { revocation_endpoint_auth_methods_supported: ['bearer'] }, 'kubectl')).toEqual({
      authorization: null,
      body: { client_id: 'kubectl' },
    });
    const bearerOnly = { revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'bearer'] };
    const revocation = clientAuthenticator({ clientId: 'kubectl' }, 'revocation', { accessToken: 'at' });
    expect(send(revocation, bearerOnly, 'kubectl')).toEqual({ authorization: 'Bearer at', body: {} });
    expect(revocation.fallBack()).toBe(true);
    expect(send(revocation, bearerOnly, 'kubectl')).toEqual({ authorization: null, body: { client_id: 'kubectl' } });
    expect(revocation.fallBack()).toBe(false);
    const either = clientAuthenticator({ clientId: 'kubectl' }, 'revocation', { accessToken: 'at' });
    expect(send(either, { revocation_endpoint_auth_methods_supported: ['none', 'bearer'] }, 'kubectl').body).toEqual({
      client_id: 'kubectl',
    });
  });
});
