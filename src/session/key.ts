import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { OPTION_TABLE, type Row, valueIn } from '../options/table.js';
import type { GetTokenOptions } from '../options/types.js';

/**
 * Version 1 of the session key: its fields in order, each with the options that make it (several: an array of their
 * values, in this order). Sessions cached by every release are found by it, so nothing here moves: a new field goes at
 * the end and is left out while its option is not given (the table's sessionKeyWhenSet), so that no existing key
 * changes. The option table marks the same options with `sessionKey` (a test holds the two together).
 */
export const KEY_V1: readonly (readonly [field: string, ...options: string[]])[] = [
  ['issuer', 'oidc-issuer-url'],
  ['client', 'oidc-client-id'],
  ['audience', 'oidc-audience'],
  ['secret', 'oidc-client-secret'],
  ['scopes', 'oidc-extra-scope'],
  ['redirect', 'oidc-redirect-url'],
  ['pkce', 'oidc-pkce-method'],
  ['accessToken', 'oidc-use-access-token'],
  ['params', 'oidc-auth-request-extra-params'],
  ['headers', 'oidc-request-header'],
  ['ca', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify'],
  ['loginHint', 'login-hint'],
  ['assertion', 'oidc-client-assertion-file'],
  ['username', 'username'],
  ['account', 'account'],
  ['exchangeResources', 'token-exchange-resource'],
  ['exchangeAudiences', 'token-exchange-audience'],
  ['exchangeRequested', 'token-exchange-requested-token-type'],
  ['subject', 'token-exchange-subject-token'],
  ['actor', 'token-exchange-actor-token'],
];

const KEY_ROWS: readonly (readonly [field: string, rows: readonly Row[]])[] = KEY_V1.map(([field, ...names]) => [
  field,
  names.map((name) => OPTION_TABLE.find((row: Row) => row.name === name && row.sessionKey === field)!),
]);

const byName = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);

/** A value in a canonical form: the same settings in any flag order (or scope order) give the same key. */
const canonical = (row: Row, value: unknown): unknown => {
  if (row.identity) return bytesToHex(sha256(utf8ToBytes(String(value))));
  if (row.kind === 'list') return [...(value as string[])].sort();
  if (row.kind === 'map') return Object.entries(value as Record<string, string>).sort(byName);
  return value ?? '';
};

/**
 * A stable name for a session: every option that makes the tokens different, as KEY_V1 lists them (a token that names
 * whom the session is for, as its hash: two subjects never share a session).
 */
export const sessionKey = (options: GetTokenOptions): string => {
  const fields: Record<string, unknown> = { v: 1 };
  for (const [field, rows] of KEY_ROWS) {
    const values: unknown[] = [];
    for (const row of rows) {
      const given = valueIn(options, row);
      if (row.sessionKeyWhenSet && (given === undefined || (Array.isArray(given) && given.length === 0))) continue;
      values.push(canonical(row, given));
    }
    if (values.length > 0) fields[field] = rows.length > 1 ? values : values[0];
  }
  // @noble/hashes rather than node:crypto, whose loading alone would cost every cache hit ~6 ms.
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(fields))));
};

/** The options of the session an --oidc-audience session is exchanged from: the same, for the client itself. */
export const exchangedFrom = (options: GetTokenOptions): GetTokenOptions => {
  const { audience: _, ...provider } = options.provider;
  return { ...options, provider, forceRefresh: false };
};
