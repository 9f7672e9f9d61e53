import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { startApiServer, type TestApiServer } from '../support/apiserver.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';
import { type IdpSettings, startIdp, TEST_CLIENT_ID, type TestIdp } from '../support/idp.js';
import { writeKubeconfig } from '../support/kubeconfig.js';
import { PLUGIN_BIN, writeBrowserCommand } from '../support/paths.js';
import { type QuirkFront, startQuirkFront } from '../support/quirk-front.js';
import { type RunResult, run } from '../support/run.js';
import { KUBECTL } from './requirements.js';

export interface Stack {
  certs: TestCertificates;
  idp: TestIdp;
  api: TestApiServer;
  stop(): Promise<void>;
}

export interface StackSettings extends Omit<IdpSettings, 'certs' | 'issuer'> {}

export const startStack = async (settings: StackSettings = {}): Promise<Stack> => {
  const certs = makeCertificates();
  const idp = await startIdp({ ...settings, certs });
  const api = await startApiServer(certs, idp.issuer, TEST_CLIENT_ID);
  return {
    certs,
    idp,
    api,
    stop: async () => {
      await Promise.all([api.stop(), idp.stop()]);
      rmSync(certs.dir, { recursive: true, force: true });
    },
  };
};

/** The test IdP behind a quirk front (test/support/quirk-front.ts): its issuer is the front's origin. */
export interface FrontedStack extends Stack {
  front: QuirkFront;
}

export const startFrontedStack = async (settings: StackSettings = {}): Promise<FrontedStack> => {
  const certs = makeCertificates();
  const front = await startQuirkFront(certs);
  const idp = await startIdp({ ...settings, certs, issuer: front.origin });
  front.setBackend(idp.port);
  const api = await startApiServer(certs, idp.issuer, TEST_CLIENT_ID);
  front.resetCounts(); // the API server's own discovery and keys
  return {
    certs,
    idp,
    api,
    front,
    stop: async () => {
      await Promise.all([api.stop(), front.stop(), idp.stop()]);
      rmSync(certs.dir, { recursive: true, force: true });
    },
  };
};

/**
 * One IdP and API server for a describe block, started before its tests and stopped after them. The returned object
 * reads through to the running stack, so tests use it like the Stack itself.
 */
export const useStack = (settings: StackSettings = {}): Stack => {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(settings);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const current = (): Stack => {
    if (!stack) throw new Error('the test stack is not running');
    return stack;
  };
  return {
    get certs() {
      return current().certs;
    },
    get idp() {
      return current().idp;
    },
    get api() {
      return current().api;
    },
    stop: () => current().stop(),
  };
};

export interface DriverResult {
  status?: number;
  title?: string;
  heading?: string;
  detail?: string | null;
  account?: string | null;
  finalUrl?: string;
  error?: string;
}

export interface Workspace {
  dir: string;
  cacheDir: string;
  kubeconfig: string;
  /** The plugin's arguments, as the kubeconfig passes them. */
  pluginArgs: string[];
  /** The environment kubectl and the plugin run with. */
  env: NodeJS.ProcessEnv;
  kubectl(args?: string[]): Promise<RunResult>;
  /** One run of the plugin from a parent process of its own, as each kubectl command is (see `pluginAsKubectl`). */
  plugin(extraArgs?: string[], env?: Record<string, string>): Promise<RunResult>;
  /** What the headless browser saw at the end of its most recent login. */
  driverResult(): Promise<DriverResult>;
  /** The session files (<key>.json) in the cache directory. */
  sessionFiles(): string[];
  /** Waits for browser drivers still closing (they write into the workspace, their HOME), then removes it. */
  cleanup(): Promise<void>;
}

export interface WorkspaceSettings {
  extraArgs?: string[];
  driverEnv?: Record<string, string>;
  apiVersion?: 'client.authentication.k8s.io/v1' | 'client.authentication.k8s.io/v1beta1';
  /** Leave out --listen-address 127.0.0.1:0 to exercise the defaults (8000, then 18000). */
  defaultListen?: boolean;
  /** Extra environment for kubectl and the plugin (e.g. a private D-Bus session). */
  env?: Record<string, string>;
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // An orphan that has exited stays a zombie until init reaps it; it writes nothing more.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.[0] !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`) || !existsSync('/proc');
  }
};

/** What a workspace needs of a stack: the IdP's issuer, its CA and an API server (the test IdP's, or another IdP's). */
export type WorkspaceStack = Pick<Stack, 'certs'> & { idp: { issuer: string }; api: { url: string } };

export const newWorkspace = (stack: WorkspaceStack, settings: WorkspaceSettings = {}): Workspace => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-e2e-'));
  const cacheDir = join(dir, 'cache');
  const resultFile = join(dir, 'driver-result.json');
  const browserCommand = writeBrowserCommand(dir, { DRIVER_RESULT: resultFile, ...settings.driverEnv });
  const pluginArgs = [
    'get-token',
    `--oidc-issuer-url=${stack.idp.issuer}`,
    `--oidc-client-id=${TEST_CLIENT_ID}`,
    '--oidc-extra-scope=email',
    '--oidc-extra-scope=profile groups',
    `--certificate-authority=${stack.certs.caFile}`,
    `--token-cache-dir=${cacheDir}`,
    `--browser-command=${browserCommand}`,
    '--authentication-timeout-sec=90',
    ...(settings.defaultListen ? [] : ['--listen-address=127.0.0.1:0']),
    ...(settings.extraArgs ?? []),
  ];
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig({
    path: kubeconfig,
    server: stack.api.url,
    caPem: stack.certs.caPem,
    command: PLUGIN_BIN,
    args: pluginArgs,
    ...(settings.apiVersion ? { apiVersion: settings.apiVersion } : {}),
  });
  // A proxy configured on the developer's machine must not reroute the loopback IdP; the proxy test sets its own.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)));
  // No Secret Service unless the test brings one: the developer's own keyring is never touched.
  const env = { ...inherited, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', HOME: dir, KUBECONFIG: kubeconfig, ...settings.env };
  return {
    dir,
    cacheDir,
    kubeconfig,
    pluginArgs,
    env,
    kubectl: (args = ['auth', 'whoami', '-o', 'json']) => {
      rmSync(resultFile, { force: true });
      return run(KUBECTL, args, { env });
    },
    plugin: (extraArgs = [], extraEnv = {}) => {
      rmSync(resultFile, { force: true });
      return run('sh', pluginAsKubectl([...pluginArgs, ...extraArgs]), { env: { ...env, ...extraEnv } });
    },
    driverResult: async () => {
      await vi.waitFor(
        () => {
          if (!existsSync(resultFile)) throw new Error('the browser driver has not finished');
        },
        { timeout: 60_000, interval: 50 },
      );
      return JSON.parse(readFileSync(resultFile, 'utf8')) as DriverResult;
    },
    sessionFiles: () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => /^[0-9a-f]{64}\.json$/.test(name)) : []),
    cleanup: async () => {
      const pidFile = join(dir, 'browser-driver.pids');
      const pids = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
      await vi.waitFor(
        () => {
          if (pids.some(isRunning)) throw new Error('a browser driver is still running');
        },
        { timeout: 30_000, interval: 50 },
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/**
 * A fronted stack and a workspace of its own for one test, both stopped after it: tests that each set their own quirks
 * on the front can then run concurrently.
 */
export const withFrontedStack = async (
  settings: WorkspaceSettings,
  work: (stack: FrontedStack, ws: Workspace) => Promise<void>,
): Promise<void> => {
  const stack = await startFrontedStack();
  const ws = newWorkspace(stack, settings);
  try {
    await work(stack, ws);
  } finally {
    await ws.cleanup();
    await stack.stop();
  }
};

/**
 * sh's arguments that run the plugin as its own child, so that every run has a parent of its own as every kubectl
 * command does: the plugin takes a run from the parent of a failed login for kubectl's retry of that same command.
 */
export const pluginAsKubectl = (args: string[]): string[] => ['-c', '"$0" "$@"; exit $?', PLUGIN_BIN, ...args];

/** get-token's arguments for a workspace's IdP and cache, without a grant. */
export const issuerArgs = (stack: WorkspaceStack, ws: Workspace, clientId = TEST_CLIENT_ID): string[] => [
  'get-token',
  `--oidc-issuer-url=${stack.idp.issuer}`,
  `--oidc-client-id=${clientId}`,
  `--certificate-authority=${stack.certs.caFile}`,
  `--token-cache-dir=${ws.cacheDir}`,
];

/** The password grant with a refresh token (KUBECTL_OIDC_PASSWORD=TEST_PASSWORD): a login without a browser. */
export const PASSWORD_LOGIN = ['--grant-type=password', '--username=pat', '--oidc-extra-scope=offline_access'];

/** The tokens of a workspace's one plain (disk) session file, as the plugin cached them. */
export const cachedTokens = (ws: Workspace): Record<string, string> => {
  const [file] = ws.sessionFiles();
  return (JSON.parse(readFileSync(join(ws.cacheDir, file!), 'utf8')) as { tokens: Record<string, string> }).tokens;
};

export interface WhoAmI {
  username: string;
  groups: string[];
}

export const parseWhoAmI = (stdout: string): WhoAmI => {
  const review = JSON.parse(stdout) as { status: { userInfo: WhoAmI } };
  return review.status.userInfo;
};
