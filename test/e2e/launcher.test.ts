import { chmodSync, chownSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HIT_FORMAT } from '../../src/hit/signature.js';
import { MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { writeKubeconfig } from '../support/kubeconfig.js';
import { FAKE_NODE_STATUS, PLUGIN_BIN, writeTestLauncher } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, useStack, type Workspace } from './harness.js';
import { e2eEnabled, KUBECTL } from './requirements.js';

/**
 * The sh launcher answers a cache hit from the session's hit file, byte for byte what Node prints, under dash and
 * bash --posix; everything it cannot judge goes to Node. A launcher with a stand-in for Node shows which way a run went.
 */
const enabled = e2eEnabled();
const SHELLS = [
  ['dash', []],
  ['bash', ['--posix']],
] as const;
const V1 = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });

const hitFile = (ws: Workspace): string => {
  const name = readdirSync(ws.cacheDir).find((file) => file.endsWith('.hit'));
  expect(name).toBeDefined();
  return join(ws.cacheDir, name!);
};

describe.skipIf(!enabled)('the sh launcher', () => {
  const stack = useStack();

  it('answers a hit without Node, byte for byte as Node does, in dash and bash --posix; all else goes to Node', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'lana' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      const file = hitFile(ws);
      expect(readFileSync(file, 'utf8')).not.toContain('refresh');
      const noNode = await writeTestLauncher(ws.dir);
      for (const env of [{ KUBERNETES_EXEC_INFO: V1 }, {}] as Record<string, string>[]) {
        // -v: Node reads the session itself, not the hit file (its debug lines go to stderr).
        const node = await ws.plugin(['-v'], env);
        expect(node.code).toBe(0);
        for (const [shell, flags] of SHELLS) {
          const hit = await run(shell, [...flags, noNode, ...ws.pluginArgs], { env: { ...ws.env, ...env } });
          expect(hit.code, `${shell}: ${hit.stderr}`).toBe(0);
          expect(hit.stdout).toBe(node.stdout);
          expect(hit.stderr).toBe('');
        }
      }
      // Anything it cannot judge goes to Node.
      const toNode = async (args: string[], env: Record<string, string> = {}): Promise<number | null> =>
        (await run('dash', [noNode, ...args], { env: { ...ws.env, ...env } })).code;
      expect(await toNode([...ws.pluginArgs, '-v'])).toBe(FAKE_NODE_STATUS);
      expect(await toNode([...ws.pluginArgs, '--force-refresh'])).toBe(FAKE_NODE_STATUS);
      expect(await toNode([...ws.pluginArgs, '--account=other'])).toBe(FAKE_NODE_STATUS);
      expect(await toNode(ws.pluginArgs, { KUBECTL_OIDC_ACCOUNT: 'other' })).toBe(FAKE_NODE_STATUS);
      expect(await toNode(ws.pluginArgs, { KUBERNETES_EXEC_INFO: '{"apiVersion":"client.authentication.k8s.io/v2"}' })).toBe(
        FAKE_NODE_STATUS,
      );
      expect(await toNode(['status'])).toBe(FAKE_NODE_STATUS);
      // A credential past its margin, and a file that is not ours, are never served.
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(new RegExp(`^(${HIT_FORMAT}\n)\\d+`), `$1${Math.floor(Date.now() / 1000) - 1}`));
      expect(await toNode(ws.pluginArgs)).toBe(FAKE_NODE_STATUS);
      writeFileSync(file, text);
      expect(await toNode(ws.pluginArgs)).toBe(0);
      if (process.getuid?.() === 0) {
        chownSync(file, 12345, 12345);
        expect(await toNode(ws.pluginArgs)).toBe(FAKE_NODE_STATUS);
        chownSync(file, 0, 0);
      }
      // Nor one that others may read or write.
      for (const mode of [0o640, 0o606]) {
        chmodSync(file, mode);
        expect(await toNode(ws.pluginArgs)).toBe(FAKE_NODE_STATUS);
      }
      chmodSync(file, 0o600);
      expect(await toNode(ws.pluginArgs)).toBe(0);
      // A partial file (cut short) is a miss, never a wrong credential.
      writeFileSync(file, text.split('\n').slice(0, 5).join('\n'));
      expect(await toNode(ws.pluginArgs)).toBe(FAKE_NODE_STATUS);
      writeFileSync(file, text);
      // logout removes it.
      expect((await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env })).code).toBe(0);
      expect(readdirSync(ws.cacheDir).filter((name) => name.endsWith('.hit'))).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('secrets (a password in the environment, a client secret argument) never reach the hit file; any value hits', async () => {
    const ws = newWorkspace(stack);
    try {
      const common = [
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--certificate-authority=${stack.certs.caFile}`,
        `--token-cache-dir=${ws.cacheDir}`,
      ];
      const password = ['get-token', ...common, `--oidc-client-id=${TEST_CLIENT_ID}`, '--grant-type=password', '--username=wren'];
      const secret = ['get-token', ...common, `--oidc-client-id=${MACHINE_CLIENT_ID}`, '--grant-type=client-credentials'];
      const withPassword = { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD };
      const first = await run(PLUGIN_BIN, password, { env: withPassword });
      expect(first.code, first.stderr).toBe(0);
      const second = await run(PLUGIN_BIN, [...secret, '--oidc-client-secret', MACHINE_CLIENT_SECRET], { env: ws.env });
      expect(second.code, second.stderr).toBe(0);
      const files = readdirSync(ws.cacheDir).filter((name) => name.endsWith('.hit'));
      expect(files).toHaveLength(2);
      for (const name of files) {
        const text = readFileSync(join(ws.cacheDir, name), 'utf8');
        expect(text).not.toContain(TEST_PASSWORD);
        expect(text).not.toContain(MACHINE_CLIENT_SECRET);
      }
      const noNode = await writeTestLauncher(ws.dir);
      // The password does not pick the session: Node serves the same credential whatever it is, and so does the launcher.
      const otherPassword = { ...ws.env, KUBECTL_OIDC_PASSWORD: 'another password' };
      expect((await run(PLUGIN_BIN, [...password, '-v'], { env: otherPassword })).stdout).toBe(first.stdout);
      for (const [shell, flags] of SHELLS) {
        const hit = await run(shell, [...flags, noNode, ...password], { env: otherPassword });
        expect(hit.code, `${shell}: ${hit.stderr}`).toBe(0);
        expect(hit.stdout).toBe(first.stdout);
        const secretHit = await run(shell, [...flags, noNode, ...secret, '--oidc-client-secret', MACHINE_CLIENT_SECRET], { env: ws.env });
        expect(secretHit.code, `${shell}: ${secretHit.stderr}`).toBe(0);
        expect(secretHit.stdout).toBe(second.stdout);
      }
      // Whether a secret is given still counts, and how (inline or as the next argument): otherwise it is another run.
      expect((await run('dash', [noNode, ...password], { env: ws.env })).code).toBe(FAKE_NODE_STATUS);
      expect((await run('dash', [noNode, ...secret], { env: ws.env })).code).toBe(FAKE_NODE_STATUS);
      const inline = await run('dash', [noNode, ...secret, `--oidc-client-secret=${MACHINE_CLIENT_SECRET}`], { env: ws.env });
      expect(inline.code).toBe(FAKE_NODE_STATUS);
    } finally {
      await ws.cleanup();
    }
  });

  it('without HOME (or with an empty one) the launcher leaves the run to the full program, which knows the account home', async () => {
    const noNode = await writeTestLauncher(stack.certs.dir);
    const args = ['get-token', `--oidc-issuer-url=${stack.idp.issuer}`, `--oidc-client-id=${TEST_CLIENT_ID}`];
    for (const home of [undefined, '']) {
      const { HOME: _home, ...env } = process.env;
      const result = await run('dash', [noNode, ...args], { env: home === undefined ? env : { ...env, HOME: home } });
      expect(result.code, `HOME=${home}`).toBe(FAKE_NODE_STATUS);
    }
  });

  it('KUBECTL_OIDC_FORCE_REFRESH=true asks for a new token at every run: no hit file is written for it', async () => {
    const ws = newWorkspace(stack);
    try {
      const args = [
        'get-token',
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--certificate-authority=${stack.certs.caFile}`,
        `--token-cache-dir=${ws.cacheDir}`,
        `--oidc-client-id=${MACHINE_CLIENT_ID}`,
        '--grant-type=client-credentials',
      ];
      const env = { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET, KUBECTL_OIDC_FORCE_REFRESH: 'true' };
      const grants = stack.idp.counts.grants.client_credentials ?? 0;
      for (let i = 0; i < 3; i++) expect((await run(PLUGIN_BIN, args, { env })).code).toBe(0);
      expect((stack.idp.counts.grants.client_credentials ?? 0) - grants).toBe(3);
      expect(readdirSync(ws.cacheDir).filter((name) => name.endsWith('.hit'))).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('through real kubectl: the launcher as the exec command, hit and miss', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'lou' } });
    try {
      const script = await writeTestLauncher(ws.dir, process.execPath);
      const kubeconfig = join(ws.dir, 'launcher-kubeconfig');
      writeKubeconfig({ path: kubeconfig, server: stack.api.url, caPem: stack.certs.caPem, command: script, args: ws.pluginArgs });
      const env = { ...ws.env, KUBECONFIG: kubeconfig };
      const miss = await run(KUBECTL, ['auth', 'whoami', '-o', 'json'], { env });
      expect(miss.code, miss.stderr).toBe(0);
      expect(parseWhoAmI(miss.stdout).username).toBe('lou@example.test');
      const logins = stack.idp.counts.logins;
      const hit = await run(KUBECTL, ['auth', 'whoami', '-o', 'json'], { env });
      expect(hit.code, hit.stderr).toBe(0);
      expect(parseWhoAmI(hit.stdout).username).toBe('lou@example.test');
      expect(stack.idp.counts.logins).toBe(logins);
    } finally {
      await ws.cleanup();
    }
  });
  it('concurrent writers: while refreshes replace the hit file, every answer is a whole credential Node issued', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'lior' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      const script = await writeTestLauncher(ws.dir);
      const issued = new Set<string>([JSON.parse((await ws.plugin()).stdout).status.token as string]);
      let writing = true;
      const writers = (async () => {
        for (let i = 0; i < 6; i++) {
          const refreshed = await ws.plugin(['--force-refresh']);
          expect(refreshed.code, refreshed.stderr).toBe(0);
          issued.add(JSON.parse(refreshed.stdout).status.token as string);
        }
        writing = false;
      })();
      const answers: string[] = [];
      while (writing) {
        const hit = await run('dash', [script, ...ws.pluginArgs], { env: ws.env });
        expect(hit.code, hit.stderr).toBe(0); // never a miss: the old file or the new one, never a part
        answers.push(JSON.parse(hit.stdout).status.token as string);
      }
      await writers;
      expect(answers.length).toBeGreaterThan(5);
      for (const token of answers) expect(issued.has(token)).toBe(true);
      console.log(`${answers.length} launcher hits during 6 refreshes, ${new Set(answers).size} distinct credentials, all issued`);
    } finally {
      await ws.cleanup();
    }
  });
});
