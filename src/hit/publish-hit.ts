import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { HitInput, Storage } from '../options/types.js';
import { type CredentialToken, credentialToken, marginFor } from '../session/expiry.js';
import type { SessionStore } from '../session/tokens.js';
import { API_VERSION_V1, API_VERSION_V1BETA1, formatExecCredential } from './exec-credential.js';
import { removeHitFiles, writeHitFile } from './hit-file.js';
import { argsSignature, envSignature, forcedByEnvironment, hitDir } from './signature.js';

/** The command line and environment of a run, as a hit file records them. */
export interface Invocation {
  /** The arguments after the program name, `get-token` first. */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** Writes (or replaces) the session's hit file for this run: what the launcher prints, and until when. */
export const publishHit = async (
  options: HitInput,
  storage: Storage,
  key: string,
  token: CredentialToken,
  run: Invocation,
  log: Logger,
): Promise<void> => {
  const dir = hitDir(storage, options.cache.tokenCacheDir, run.env);
  const args = argsSignature(run.args);
  const env = envSignature(run.env);
  // A hit for this environment would serve the next run that asks for a new token, or another subject's.
  if (forcedByEnvironment(run.env)) return;
  if (!dir || args === undefined || env === undefined || token.expiresAt === undefined) return;
  const margin = marginFor(token, options.cache.tokenExpiryMarginSec);
  const expiry = new Date((token.expiresAt - margin) * 1000);
  await writeHitFile(
    dir,
    key,
    {
      freshUntil: Math.floor(token.expiresAt - margin),
      args,
      env,
      v1: formatExecCredential(API_VERSION_V1, token.token, expiry),
      v1beta1: formatExecCredential(API_VERSION_V1BETA1, token.token, expiry),
    },
    log,
  );
};

/**
 * Writes the hit file of a session that has none (after a reboot emptied the tmpfs, or an upgrade from a release
 * without), from a hit the store just served. Without the lock a logout or a refresh may have changed the session
 * meanwhile: read again after writing, a file that no longer matches the store is removed (a logout removes the
 * session before the hit file, so one of the two removals comes after this write).
 */
export const restoreHit = async (
  options: HitInput,
  store: SessionStore,
  key: string,
  token: CredentialToken,
  run: Invocation,
  log: Logger,
): Promise<void> => {
  const dir = hitDir(store.name, options.cache.tokenCacheDir, run.env);
  if (!store.persistent || !dir || existsSync(join(dir, `${key}.hit`))) return;
  await publishHit(options, store.name, key, token, run, log);
  const now = await store.load(key);
  if (now && credentialToken(now, options.useAccessToken)?.token === token.token) return;
  await removeHitFiles([dir], key);
};
