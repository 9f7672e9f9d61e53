import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import { documentFetch } from './documents.js';
import { translateError } from './errors.js';
import { describeAnswer, failedAnswerOf } from './failed-answer.js';
import type { Provider } from './provider.js';

/** What `setup` needs to see of an issuer beyond what openid-client checks: the raw documents and the IdP's clock. */
export interface IssuerInspection {
  /** The discovery document exactly as served. */
  discovery: Record<string, unknown>;
  /** The IdP's Date header, for clock skew. */
  date?: string;
  jwks?: JSONWebKeySet;
  jwksError?: string;
}

const getJson = async (provider: Provider, url: string, what: string): Promise<{ json: unknown; date?: string }> => {
  let response: Response;
  try {
    response = await documentFetch(provider.fetch, what)(url, { headers: { accept: 'application/json' } });
  } catch (err) {
    throw translateError(err, `${what} (GET ${url})`, url);
  }
  const date = response.headers.get('date') ?? undefined;
  const answer = failedAnswerOf(response);
  if (answer) throw new PluginError('issuer_invalid', `${what} (GET ${url}) failed: ${describeAnswer(answer)}`);
  let json: unknown;
  try {
    json = await response.json();
  } catch (err) {
    throw new PluginError('issuer_invalid', `${what} (GET ${url}) did not answer JSON`, undefined, { cause: err });
  }
  return { json, ...(date ? { date } : {}) };
};

/** The issuer's documents: the discovery document as `discover` just fetched it (or fetched now), and its JWKS. */
export const inspectIssuer = async (
  provider: Provider,
  fetched?: { metadata: Record<string, unknown>; date?: string },
): Promise<IssuerInspection> => {
  const issuer = provider.options.issuerUrl.replace(/\/$/, '');
  const { json, date } = fetched
    ? { json: fetched.metadata, date: fetched.date }
    : await getJson(provider, `${issuer}/.well-known/openid-configuration`, 'the discovery request');
  const discovery = (json ?? {}) as Record<string, unknown>;
  const inspection: IssuerInspection = { discovery, ...(date ? { date } : {}) };
  const jwksUri = typeof discovery.jwks_uri === 'string' ? discovery.jwks_uri : undefined;
  if (!jwksUri) return { ...inspection, jwksError: 'the discovery document has no jwks_uri' };
  try {
    return { ...inspection, jwks: (await getJson(provider, jwksUri, 'the JWKS request')).json as JSONWebKeySet };
  } catch (err) {
    return { ...inspection, jwksError: (err as Error).message };
  }
};

/** Verifies an ID token's signature against the IdP's JWKS, as kube-apiserver does; resolves why it fails, if it does. */
export const signatureProblem = async (idToken: string, jwks: JSONWebKeySet | undefined): Promise<string | undefined> => {
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) return 'the IdP publishes no keys (empty JWKS)';
  try {
    await compactVerify(idToken, createLocalJWKSet(jwks));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

/** The userinfo endpoint's claims for this access token, or undefined when the IdP has none; a failure names the request. */
export const userinfo = async (provider: Provider, accessToken: string, subject: string): Promise<Record<string, unknown> | undefined> => {
  const endpoint = provider.config.serverMetadata().userinfo_endpoint;
  if (!endpoint) return undefined;
  try {
    return (await client.fetchUserInfo(provider.config, accessToken, subject)) as Record<string, unknown>;
  } catch (err) {
    throw translateError(err, `the userinfo request (GET ${endpoint})`, endpoint);
  }
};
