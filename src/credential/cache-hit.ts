import { writeSync } from 'node:fs';
import type { GetTokenOptions } from '../options/types.js';
import { debug } from '../log.js';
import { credentialToken, isFresh, type CredentialToken } from '../session/expiry.js';
import { sessionKey } from '../session/key.js';
import { openStore } from '../session/open-store.js';
import type { SessionStore, TokenSet } from '../session/tokens.js';
import { formatExecCredential, type ExecInfo } from './exec-credential.js';

const nowSec = (): number => Date.now() / 1000;

/**
 * kubectl keeps a credential in-process until expirationTimestamp, with no margin of its own: report the expiry minus
 * our margin so it never sends a token the API server is about to reject (unless the token is shorter-lived than that).
 */
export const reportedExpiry = (expiresAt: number | undefined, marginSec: number, now: number): Date | undefined => {
  if (expiresAt === undefined) return undefined;
  const early = expiresAt - marginSec;
  return new Date((early > now ? early : expiresAt) * 1000);
};

export const output = (options: GetTokenOptions, execInfo: ExecInfo, token: CredentialToken): void => {
  const expiresAt = reportedExpiry(token.expiresAt, options.cache.tokenExpiryMarginSec, nowSec());
  writeStdout(formatExecCredential(execInfo.apiVersion, token.token, expiresAt));
};

/**
 * Straight to fd 1: creating process.stdout's stream costs a cache hit ~3 ms. A stdout that cannot take it all at once
 * (a non-blocking pipe that is full) gets the rest through the stream.
 */
const writeStdout = (text: string): void => {
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(1, rest));
  } catch {
    process.stdout.write(rest);
  }
};

export const freshToken = (tokens: TokenSet | undefined, options: GetTokenOptions): CredentialToken | undefined => {
  const token = tokens && credentialToken(tokens, options.useAccessToken);
  return token && isFresh(token, nowSec(), options.cache.tokenExpiryMarginSec) ? token : undefined;
};

/** Prints a fresh cached token, if there is one: no lock, no network. */
export const serveFromCache = async (options: GetTokenOptions, execInfo: ExecInfo, store?: SessionStore): Promise<boolean> => {
  const sessions = store ?? (await openStore(options.cache));
  const hit = freshToken(await sessions.load(sessionKey(options)), options);
  if (!hit) return false;
  debug(`using the cached token (${sessions.name} storage)`);
  output(options, execInfo, hit);
  return true;
};

