import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reportedExpiry } from '../../src/commands/get-token/cache-hit.js';
import { PluginError } from '../../src/errors.js';
import { freshnessSec } from '../../src/oidc/provider.js';
import { acquireLock } from '../../src/session/lock.js';
import { testAmbient } from '../support/ambient.js';

/** `count` takers of the lock at once, each holding it for a tick: the most inside at one time, and who failed. */
const holdInTurn = async (path: string, count: number): Promise<{ most: number; failures: unknown[] }> => {
  let inside = 0;
  let most = 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const lock = await acquireLock(path, { ...testAmbient(), timeoutMs: 10_000 });
      inside += 1;
      most = Math.max(most, inside);
      await new Promise((resolve) => setImmediate(resolve));
      inside -= 1;
      await lock.release();
    }),
  );
  return { most, failures: outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : [])) };
};

describe('cross-process lock', () => {
  const dirs: string[] = [];
  const lockPath = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-lock-'));
    dirs.push(dir);
    return join(dir, 'session.lock');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('lets one holder in at a time', async () => {
    const path = lockPath();
    const { most, failures } = await holdInTurn(path, 5);
    expect(failures).toEqual([]);
    expect(most).toBe(1);
  });

  it('takes over a lock whose owner process is gone', async () => {
    const path = lockPath();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(path);
    writeFileSync(join(path, 'owner.json'), JSON.stringify({ pid: dead, host: hostname(), nonce: 'x', since: 0 }));
    const lock = await acquireLock(path, { ...testAmbient(), timeoutMs: 2000 });
    expect(lock.waited).toBe(false);
    await lock.release();
  });

  it("many take over a dead owner's lock and its dead take-over guard at once: one holder at a time, none fails", async () => {
    // The soak's race (kill -9 beside 50 processes): a guard left by a taker that died, removed as stale by one while
    // another had just made a new one in its place.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = (dir: string): void => {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: dead, host: hostname(), nonce: dir, since: 0 }));
    };
    for (let round = 0; round < 10; round++) {
      const path = lockPath();
      stale(path);
      stale(`${path}.takeover`);
      const { most, failures } = await holdInTurn(path, 20);
      expect(failures).toEqual([]);
      expect(most).toBe(1);
    }
  });

  it('waits for a live owner and gives up with a clear error', async () => {
    const path = lockPath();
    const held = await acquireLock(path, { ...testAmbient(), timeoutMs: 1000 });
    let told = 0;
    const attempt = acquireLock(path, { ...testAmbient(), timeoutMs: 300, onWait: () => (told += 1) });
    await expect(attempt).rejects.toThrow(PluginError);
    await expect(attempt).rejects.toThrow(/has held the session lock/);
    expect(told).toBe(1);
    await held.release();
  });

  it('names the lock it cannot create, with a code (not an unexpected error)', async () => {
    const notADirectory = lockPath().replace(/session\.lock$/, 'file');
    writeFileSync(notADirectory, '');
    const path = join(notADirectory, 'cache', 'session.lock');
    await expect(acquireLock(path, { ...testAmbient(), timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'cache',
      message: `cannot create the session lock ${path}: ENOTDIR`,
    });
  });
});

describe('expiry reported to kubectl', () => {
  it('is the token expiry minus the margin, unless the token lives shorter than the margin', () => {
    expect(reportedExpiry({ token: 't', expiresAt: 10_000 }, 60, 1000)?.getTime()).toBe(9_940_000);
    expect(reportedExpiry({ token: 't', expiresAt: 1030 }, 60, 1000)?.getTime()).toBe(1_030_000);
    expect(reportedExpiry({ token: 't', expiresAt: undefined }, 60, 1000)).toBeUndefined();
    // A short-lived token: a third of its life as the margin. Never a time in the past.
    expect(reportedExpiry({ token: 't', expiresAt: 1020, issuedAt: 1000 }, 60, 1001)?.getTime()).toBeCloseTo(1_013_333, -1);
    expect(reportedExpiry({ token: 't', expiresAt: 990 }, 60, 1000)).toBeUndefined();
  });
});

describe('discovery freshness', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it.each([
    [{ 'cache-control': 'public, max-age=600' }, 600],
    [{ 'cache-control': 'no-store' }, 0],
    [{ 'cache-control': 'max-age=99999999' }, 86400],
    [{ expires: 'Sun, 22 Nov 2026 12:05:00 GMT' }, 300],
    [{}, 3600],
  ])('%j → %i s', (headers, seconds) => {
    expect(freshnessSec(new Headers(headers), now)).toBe(seconds);
  });
});
