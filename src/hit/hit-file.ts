import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { secureCacheDir } from '../session/cache-dir.js';
import { writeFileAtomic } from '../session/file-store.js';
import { HIT_FORMAT } from './signature.js';

/** What the launcher needs to answer kubectl without Node: never a refresh token. */
export interface Hit {
  /** Seconds since the epoch before which the credential is fresh (its expiry minus its margin). */
  freshUntil: number;
  args: string;
  env: string;
  /** The ExecCredential lines Node would print, for client.authentication.k8s.io/v1 and v1beta1. */
  v1: string;
  v1beta1: string;
}

/** Writes (or atomically replaces) a session's hit file: 0600, in a 0700 directory of ours. */
export const writeHitFile = async (dir: string, key: string, hit: Hit, log: Logger): Promise<void> => {
  await secureCacheDir(dir, log);
  const lines = [HIT_FORMAT, String(hit.freshUntil), hit.args, hit.env, hit.v1.trimEnd(), hit.v1beta1.trimEnd()];
  await writeFileAtomic(join(dir, `${key}.hit`), `${lines.join('\n')}\n`);
};

/** Removes a session's hit file wherever it may be (logout, clean). */
export const removeHitFiles = async (dirs: (string | undefined)[], key: string): Promise<void> => {
  for (const dir of dirs) if (dir) await fs.unlink(join(dir, `${key}.hit`)).catch(() => undefined);
};
