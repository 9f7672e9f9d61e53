import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { GetTokenOptions } from '../options.js';

const sortedEntries = (record: Record<string, string>): [string, string][] =>
  Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A stable name for a session: everything that makes the tokens different, in a canonical form,
 * so the same settings in any flag order (or scope order) find the same session.
 */
export const sessionKey = (options: GetTokenOptions): string => {
  const { provider, login } = options;
  const caFiles = [...provider.certificateAuthorityFiles].sort();
  const caData = [...provider.certificateAuthorityData].sort();
  const canonical = {
    v: 1,
    issuer: provider.issuerUrl,
    client: provider.clientId,
    secret: provider.clientSecret ?? '',
    scopes: [...new Set(provider.extraScopes)].sort(),
    redirect: login.redirectUrl ?? '',
    pkce: login.pkceMethod,
    accessToken: options.useAccessToken,
    params: sortedEntries(login.authRequestExtraParams),
    headers: sortedEntries(provider.requestHeaders),
    // The CA identity by reference (file paths, data): reading files here would slow down every cache hit.
    ca: [caFiles, caData, provider.insecureSkipTlsVerify],
    loginHint: login.loginHint ?? '',
    assertion: provider.clientAssertionFile ?? '',
    username: login.username ?? '',
    account: options.account ?? '',
  };
  // @noble/hashes rather than node:crypto, whose loading alone would cost every cache hit ~6 ms.
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(canonical))));
};
