import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Ambient, Clock } from '../ambient.js';
import { PluginError } from '../errors.js';
import { isAlive, MOVE_THE_CACHE, ownUid, secureCacheDir } from './cache-dir.js';

/**
 * A cross-process lock: a directory created with mkdir (atomic on every filesystem we care about) holding an owner
 * file. A lock whose owner process has died is taken over at once; one whose owner file is missing or unreadable
 * after a few seconds (the owner died between mkdir and writing it) too. Take-overs are serialized by a second
 * short-lived lock and re-check the owner, so two waiters never both remove a live lock.
 */

interface Owner {
  pid: number;
  host: string;
  nonce: string;
  since: number;
}

export interface Lock {
  release(): Promise<void>;
}

const OWNERLESS_GRACE_MS = 3000;
const POLL_MS = 40;

const readOwner = async (dir: string): Promise<Owner | undefined> => {
  try {
    const owner = JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8')) as Owner;
    return typeof owner.pid === 'number' && typeof owner.nonce === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
};

const ageMs = async (path: string, clock: Clock): Promise<number> => {
  try {
    return clock.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
};

/** Is the lock at `dir` held by nobody alive? Owners on other hosts (a shared home directory) are trusted. */
const isStale = async (dir: string, clock: Clock): Promise<Owner | 'ownerless' | undefined> => {
  const owner = await readOwner(dir);
  if (!owner) return (await ageMs(dir, clock)) > OWNERLESS_GRACE_MS ? 'ownerless' : undefined;
  if (owner.host === hostname() && !isAlive(owner.pid)) return owner;
  return undefined;
};

const cannotLock = (dir: string, err: unknown): PluginError =>
  new PluginError(
    'cache',
    `cannot create the session lock ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    MOVE_THE_CACHE,
    { cause: err },
  );

const tryCreate = async (dir: string, owner: Owner): Promise<boolean> => {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw cannotLock(dir, err);
  }
  try {
    await writeFile(join(dir, 'owner.json'), JSON.stringify(owner), { mode: 0o600 });
  } catch (err) {
    // Gone: another process swept it away as the stale lock it had just seen there. Not ours: try again.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    // A full disk takes the directory and not its owner file: no ownerless lock is left for others to wait on.
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw cannotLock(dir, err);
  }
  return true;
};

const sameOwner = (now: Owner | undefined, seen: Owner | 'ownerless'): boolean =>
  seen === 'ownerless' ? now === undefined : now?.nonce === seen.nonce;

/**
 * Removes the stale lock that was seen at `dir`, not one made there since (by a process that found it gone): moved out
 * of the way, then judged by its owner file; a live one is put back.
 */
const removeStale = async (dir: string, seen: Owner | 'ownerless'): Promise<void> => {
  const grave = `${dir}.removed-${randomBytes(6).toString('hex')}`;
  try {
    await rename(dir, grave);
  } catch {
    return;
  }
  if (!sameOwner(await readOwner(grave), seen)) {
    await rename(grave, dir).catch(() => undefined);
    return;
  }
  await rm(grave, { recursive: true, force: true }).catch(() => undefined);
};

/**
 * Releases a lock: renamed out of the way (the atomic step: the lock is free), then removed. Failing to remove what was
 * renamed is never fatal — the lock is already released, and a later run sweeps the grave (file-store's sweep); Wine,
 * for one, lacks the file-disposition call Bun's recursive remove makes (EFAULT).
 */
const remove = async (dir: string): Promise<void> => {
  const grave = `${dir}.removed-${randomBytes(6).toString('hex')}`;
  try {
    await rename(dir, grave);
  } catch {
    return;
  }
  await rm(grave, { recursive: true, force: true }).catch(() => undefined);
};

/** Removes a dead owner's lock, under a take-over lock so that the check and the removal are one step. */
const takeOver = async (dir: string, seen: Owner | 'ownerless', { clock, log }: Ambient): Promise<void> => {
  const guard = `${dir}.takeover`;
  const me: Owner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex'), since: clock.now() };
  if (!(await tryCreate(guard, me))) {
    const staleGuard = await isStale(guard, clock);
    if (staleGuard !== undefined) await removeStale(guard, staleGuard);
    return;
  }
  try {
    const now = await isStale(dir, clock);
    if (now !== undefined && sameOwner(now === 'ownerless' ? undefined : now, seen)) {
      log.debug(`taking over the lock ${dir} from a process that is gone`);
      await removeStale(dir, seen);
    }
  } finally {
    // Ours only: a guard another process made after sweeping this one away (as stale) is left to it.
    if ((await readOwner(guard))?.nonce === me.nonce) await remove(guard);
  }
};

/** Waits `ms`, or less when the signal fires; its listener goes with it (a long wait polls hundreds of times). */
export const delay = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * A lock directory another user made (a `sudo kubectl` with this HOME): its owner's process cannot be judged or its
 * lock taken over, and waiting for it would take the whole lock timeout. Refused at once.
 */
const foreignOwner = async (dir: string): Promise<number | undefined> => {
  const uid = ownUid();
  if (uid === undefined) return undefined;
  try {
    const owner = (await stat(dir)).uid;
    return owner === uid ? undefined : owner;
  } catch {
    return undefined;
  }
};

export interface AcquireOptions extends Ambient {
  /** Give up after this long (the longest another process may legitimately hold the lock). */
  timeoutMs: number;
  /** Called once when the lock is held by someone else, so the user knows why nothing happens. */
  onWait?: () => void;
  signal?: AbortSignal;
}

/** Waits for and takes the lock at `dir`. Resolves with whether we had to wait for another process. */
export const acquireLock = async (dir: string, options: AcquireOptions): Promise<Lock & { waited: boolean }> => {
  // Locks live in the cache directory, which must be ours: nobody else can then plant one that blocks us.
  await secureCacheDir(dirname(dir), options.log).catch((err: unknown) => {
    throw err instanceof PluginError ? err : cannotLock(dir, err);
  });
  const owner: Owner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex'), since: options.clock.now() };
  const deadline = options.clock.now() + options.timeoutMs;
  let waited = false;
  for (;;) {
    if (await tryCreate(dir, owner)) {
      return {
        waited,
        release: async () => {
          const current = await readOwner(dir);
          if (current?.nonce === owner.nonce) await remove(dir);
        },
      };
    }
    const foreign = await foreignOwner(dir);
    if (foreign !== undefined) {
      throw new PluginError(
        'cache',
        `the session lock ${dir} belongs to uid ${foreign}, not to you (another user's kubectl-oidc, e.g. under sudo)`,
        `when that process is gone, remove ${dir} as that user`,
      );
    }
    const stale = await isStale(dir, options.clock);
    if (stale !== undefined) {
      await takeOver(dir, stale, options);
      continue;
    }
    if (!waited) {
      waited = true;
      options.onWait?.();
    }
    if (options.signal?.aborted) throw options.signal.reason;
    if (options.clock.now() > deadline) {
      throw new PluginError(
        'timeout',
        `another kubectl-oidc process has held the session lock for over ${Math.round(options.timeoutMs / 1000)} s`,
        `if no login is in progress, remove ${dir}`,
      );
    }
    await delay(POLL_MS + Math.floor(Math.random() * POLL_MS), options.signal);
  }
};
