import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLUGIN_BIN } from '../support/paths.js';
import { type Running, start } from '../support/process.js';
import { newWorkspace, type Stack, useStack, type Workspace } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * A token endpoint that accepts requests and never answers, at each stage of get-token: the deadline gives up, and
 * SIGINT, SIGTERM and SIGHUP end the run, before any of its timers could, with their exit status and one line, the cache
 * as it was.
 */
const enabled = e2eEnabled();

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!;

/** The last line the plugin said (with -v a stack follows it, and debug lines precede it). */
const said = (text: string): string | undefined =>
  text
    .split('\n')
    .filter((line) => line.startsWith('kubectl-oidc: ') && !line.startsWith('kubectl-oidc: [debug]'))
    .at(-1);

const sessionBytes = (ws: Workspace): string => {
  const [file] = ws.sessionFiles();
  return readFileSync(join(ws.cacheDir, file!), 'utf8');
};

/** A workspace whose session needs a refresh: its ID token has 30 s left of an hour, inside the 60 s margin. */
const expiredSession = async (stack: Stack, login: string): Promise<Workspace> => {
  const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: login } });
  stack.idp.setQuirks({ staleIdTokens: true });
  try {
    expect((await ws.plugin()).code).toBe(0);
  } finally {
    stack.idp.setQuirks({});
  }
  return ws;
};

const plugin = (ws: Workspace, extra: string[] = []): Running => start(PLUGIN_BIN, [...ws.pluginArgs, '-v', ...extra], ws.env);

/**
 * Every timer of the run (a request's deadline, the login's, the lock wait's) far beyond the test's own timeout: a run
 * that ends, ends because it obeyed the signal.
 */
const NO_DEADLINE = ['--idp-timeout-sec=3600', '--authentication-timeout-sec=3600'];

/** Sends the signal and resolves the exit status and how long the process took to end. */
const interrupt = async (running: Running, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> => {
  const sent = performance.now();
  running.child.kill(signal);
  const code = await running.exited;
  return { code, ms: Math.round(performance.now() - sent) };
};

describe.skipIf(!enabled)('stalled IdPs and signals', () => {
  const stack = useStack();

  it('a refresh the IdP never answers: given up at --idp-timeout-sec, no login, the session kept', async () => {
    const ws = await expiredSession(stack, 'ida');
    try {
      stack.idp.setQuirks({ stallGrants: ['refresh_token'] });
      const before = sessionBytes(ws);
      const authorizations = stack.idp.counts.authorization;
      const started = performance.now();
      const result = await ws.plugin(['--idp-timeout-sec=2']);
      const ms = Math.round(performance.now() - started);
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toBe(
        `kubectl-oidc: the token request (refresh_token grant) failed: no complete answer from ${new URL(stack.idp.issuer).host} ` +
          'within 2 s — check that the IdP is up; --idp-timeout-sec gives it longer',
      );
      expect(stack.idp.counts.authorization).toBe(authorizations); // the IdP is down: no browser login
      expect(sessionBytes(ws)).toBe(before);
      console.log(`stalled refresh given up after ${ms} ms (deadline 2 s)`);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('a long wait for the lock a stalled refresh holds: only our own lines on stderr (no Node warnings)', async () => {
    const ws = await expiredSession(stack, 'ivy');
    try {
      stack.idp.setQuirks({ stallGrants: ['refresh_token'] });
      const stalled = stack.idp.counts.stalled;
      // The holder keeps the lock until the test ends its stalled refresh: however late a busy machine starts the
      // waiter, it finds the lock held (with a 2 s deadline the holder could give up first, and the waiter refresh).
      const holder = start(PLUGIN_BIN, [...ws.pluginArgs, ...NO_DEADLINE], ws.env);
      await expect.poll(() => stack.idp.counts.stalled, { interval: 20, timeout: 15_000 }).toBe(stalled + 1);
      const waiter = start(PLUGIN_BIN, [...ws.pluginArgs, '--idp-timeout-sec=2'], ws.env);
      await waiter.waitForStderr(/waiting for it/);
      // The length of the wait is what is tested, not an order: 2 s of polling the lock, some fifty polls, each listening
      // to the run's signal (a listener left behind by each would bring Node's MaxListenersExceededWarning).
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await interrupt(holder, 'SIGTERM')).code).toBe(143);
      // The holder was cancelled and kept the session, whose token has not expired: after a wait, the waiter serves it.
      expect(await waiter.exited).toBe(0);
      expect(waiter.stderr().split('\n').filter(Boolean)).toEqual([
        'kubectl-oidc: another kubectl-oidc process is logging in or refreshing this session; waiting for it',
      ]);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s during a stalled refresh: exit %i, no timer left to end it, one line, the session as it was', async (signal, status) => {
    const ws = await expiredSession(stack, `sig-${signal.toLowerCase()}`);
    try {
      stack.idp.setQuirks({ stallGrants: ['refresh_token'] });
      const before = sessionBytes(ws);
      const stalled = stack.idp.counts.stalled;
      const running = plugin(ws, NO_DEADLINE);
      await expect.poll(() => running.stderr(), { interval: 20, timeout: 15_000 }).toMatch(/\[debug\] refreshing the token/);
      await expect.poll(() => stack.idp.counts.stalled, { interval: 20, timeout: 10_000 }).toBe(stalled + 1);
      const { code, ms } = await interrupt(running, signal);
      expect(code).toBe(status);
      expect(said(running.stderr()), running.stderr()).toBe(`kubectl-oidc: cancelled by ${signal}; the session cache is as it was`);
      expect(running.stdout()).toBe('');
      expect(sessionBytes(ws)).toBe(before);
      console.log(`${signal} during a stalled refresh: exit ${code} after ${ms} ms`);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('SIGTERM during a stalled code exchange, and SIGINT while waiting for the lock it holds', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'ivo' } });
    try {
      stack.idp.setQuirks({ stallGrants: ['authorization_code'] });
      const exchanging = plugin(ws, NO_DEADLINE);
      await exchanging.waitForStderr(/exchanging the code/);
      const waiting = plugin(ws, NO_DEADLINE);
      await waiting.waitForStderr(/waiting for it/);
      const waiter = await interrupt(waiting, 'SIGINT');
      expect(waiter.code).toBe(130);
      expect(said(waiting.stderr())).toBe('kubectl-oidc: cancelled by SIGINT; the session cache is as it was');
      const holder = await interrupt(exchanging, 'SIGTERM');
      expect(holder.code).toBe(143);
      expect(said(exchanging.stderr())).toBe('kubectl-oidc: cancelled by SIGTERM; the session cache is as it was');
      expect(ws.sessionFiles()).toEqual([]);
      console.log(`code exchange: SIGTERM → exit 143 after ${holder.ms} ms; lock waiter: SIGINT → 130 after ${waiter.ms} ms`);
      // The lock the holder left is taken over at once. A login cut short starts the cool-down for background runs;
      // a person at a terminal logs in.
      stack.idp.setQuirks({});
      const background = await ws.plugin();
      expect(said(background.stderr)).toMatch(/^kubectl-oidc: the last login for this session failed \d+ s ago \(cancelled by SIGTERM;/);
      const interactive = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: true } };
      const next = await ws.plugin([], { KUBERNETES_EXEC_INFO: JSON.stringify(interactive) });
      expect(next.code, next.stderr).toBe(0);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });
});
