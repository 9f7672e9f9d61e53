import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PLUGIN_BIN } from '../support/paths.js';
import { type Running, start } from '../support/process.js';
import { newWorkspace, type Stack, useStack, type Workspace } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * A bounded soak: 50 parallel get-token through two refresh cycles of a 10 s token, with kill -9 of random processes
 * (never the lock holder in the middle of its refresh grant: see the note on the one window no client can close), a
 * stalled token endpoint whose lock holder is killed, and every printed credential checked by the test API server.
 */
const enabled = e2eEnabled();
const PARALLEL = 50;
const LIFETIME = 10;
// Two cycles: one with random kills, one whose token endpoint stalls with the lock holder killed there.
const CYCLES = 2;

const accepted = (stack: Stack, token: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(
      `${stack.api.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      { method: 'POST', ca: stack.certs.caPem, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end('{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}');
  });

const cachedIdToken = (ws: Workspace): { exp: number; iat: number } => {
  const [file] = ws.sessionFiles();
  const token = (JSON.parse(readFileSync(join(ws.cacheDir, file!), 'utf8')) as { tokens: { idToken: string } }).tokens.idToken;
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
};

/** The pid that holds the session lock now, if any. */
const lockHolder = (ws: Workspace): number | undefined => {
  const lock = existsSync(ws.cacheDir) ? readdirSync(ws.cacheDir).find((name) => /^[0-9a-f]{64}\.lock$/.test(name)) : undefined;
  try {
    return lock ? (JSON.parse(readFileSync(join(ws.cacheDir, lock, 'owner.json'), 'utf8')) as { pid: number }).pid : undefined;
  } catch {
    return undefined;
  }
};

describe.skipIf(!enabled)('soak: parallel refresh cycles with kill -9, a stalled IdP and a dying lock holder', () => {
  const stack = useStack();

  it(`${PARALLEL} × ${CYCLES} cycles: no hung process, no lost session, one refresh grant per cycle, every credential accepted`, async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'soak' } });
    stack.idp.setIdTokenTtl(LIFETIME);
    try {
      expect((await ws.plugin()).code).toBe(0);
      const logins = stack.idp.counts.logins;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        // The cached token goes stale a third of its life before its expiry: start the cycle then, all at once.
        const { exp, iat } = cachedIdToken(ws);
        await sleep(Math.max(0, (exp - (exp - iat) / 3) * 1000 - Date.now() + 200));
        const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
        const stalledPhase = cycle === 1;
        if (stalledPhase) stack.idp.setQuirks({ stallGrants: ['refresh_token'] });
        const stalled = stack.idp.counts.stalled;
        const runs: Running[] = Array.from({ length: PARALLEL }, () => start(PLUGIN_BIN, ws.pluginArgs, ws.env));
        const killed = new Set<Running>();
        if (stalledPhase) {
          // The holder's refresh hangs at the IdP: it is killed there (nothing was rotated), the IdP recovers, and
          // the others take the dead holder's lock over.
          await expect.poll(() => stack.idp.counts.stalled, { interval: 20, timeout: 20_000 }).toBe(stalled + 1);
          const holder = runs.find((run) => run.child.pid === lockHolder(ws));
          expect(holder).toBeDefined();
          killed.add(holder!);
          holder!.child.kill('SIGKILL');
          stack.idp.setQuirks({});
        }
        // Five more at random moments, never the lock holder (whose refresh grant may be under way).
        for (let i = 0; i < 5; i++) {
          await sleep(Math.floor(Math.random() * 150));
          const holder = lockHolder(ws);
          const victim = runs.find((run) => !killed.has(run) && run.child.pid !== holder && run.child.exitCode === null);
          if (!victim) break;
          killed.add(victim);
          victim.child.kill('SIGKILL');
        }
        const codes = await Promise.race([Promise.all(runs.map((run) => run.exited)), sleep(60_000).then(() => 'hung' as const)]);
        expect(codes, 'processes still running after 60 s').not.toBe('hung');
        const survivors = runs.filter((run) => !killed.has(run));
        for (const run of survivors) expect(await run.exited, run.stderr()).toBe(0);
        const tokens = new Set(survivors.map((run) => (JSON.parse(run.stdout()) as { status: { token: string } }).status.token));
        expect(tokens.size).toBe(1);
        expect(await accepted(stack, [...tokens][0]!)).toBe(201);
        expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(1);
        expect(ws.sessionFiles()).toHaveLength(1);
        console.log(`cycle ${cycle}: ${survivors.length} served, ${killed.size} killed, 1 refresh, 1 credential`);
      }
      expect(stack.idp.counts.logins).toBe(logins); // no session was lost: never a new login
    } finally {
      stack.idp.setQuirks({});
      stack.idp.setIdTokenTtl(3600);
      await ws.cleanup();
    }
  }, 240_000);
});
