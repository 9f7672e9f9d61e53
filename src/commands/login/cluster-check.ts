import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PluginError } from '../../errors.js';

/** What the cluster made of the login, asked through exactly what login is about to write. */
export type ClusterAnswer =
  | { ok: true; line: string }
  /** Not asked, or an answer that says nothing about the token (no kubectl, a cluster older than SelfSubjectReview). */
  | { ok: 'unknown'; line: string }
  | { ok: false; failure: PluginError };

export interface ClusterToAsk {
  /** The kubeconfig's text as login would write it, and where it lives (relative paths in it are relative to that). */
  text: string;
  file: string;
  context: string;
  /** Where the cluster came from: --server (its --cluster-ca), or an entry the kubeconfig had. */
  serverGiven: boolean;
  audience: string;
}

const ASK_SECONDS = 20;

/** kubectl's last line, without its "error: " prefix. */
const lastLine = (stderr: string): string =>
  (stderr.trim().split('\n').at(-1) ?? '').replace(/^(error|Error from server \([A-Za-z]+\)):\s*/, '').trim();

/** kubectl's failure as the one line that names the fix; undefined where it says nothing about the login. */
const judged = (stderr: string, cluster: ClusterToAsk): ClusterAnswer => {
  const said = lastLine(stderr);
  const fail = (message: string, hint: string): ClusterAnswer => ({ ok: false, failure: new PluginError('rejected', message, hint) });
  if (/x509|certificate/i.test(stderr)) {
    return fail(
      `the API server's certificate is not trusted (${said})`,
      cluster.serverGiven
        ? "pass --cluster-ca <file>: the PEM of the CA that signed the API server's certificate"
        : `give the kubeconfig's cluster of context ${cluster.context} its certificate-authority (or login with --server and --cluster-ca)`,
    );
  }
  if (/Unauthorized|must be logged in|\b401\b/.test(stderr)) {
    return fail(
      `the cluster refused the token (401 Unauthorized): its OIDC settings do not take this issuer, audience ${cluster.audience} or claims`,
      'kubectl oidc setup with the same flags shows what the cluster needs; set that up and log in again (or --skip-cluster-check to write it now)',
    );
  }
  if (
    /unsupported protocol scheme|no such host|connection refused|dial tcp|i\/o timeout|Client\.Timeout|context deadline|unable to connect|was refused|right host or port|EOF/i.test(
      stderr,
    )
  ) {
    return fail(
      `cannot reach the API server (${said})`,
      cluster.serverGiven
        ? 'check --server: https://<host>:<port> of the API server, reachable from here (or --skip-cluster-check for one that is not)'
        : `check the server of context ${cluster.context}'s cluster (or --skip-cluster-check for one not reachable from here)`,
    );
  }
  if (/doesn't have a resource type|could not find the requested resource|NotFound|\b404\b/.test(stderr)) {
    return { ok: 'unknown', line: '! the cluster has no SelfSubjectReview (Kubernetes before 1.28): the token was not tried' };
  }
  return fail(
    `kubectl auth whoami failed: ${said}`,
    'kubectl oidc setup with the same flags shows what the cluster needs (or --skip-cluster-check)',
  );
};

/**
 * Asks the cluster who the token is (a SelfSubjectReview: `kubectl auth whoami`) through a copy of the kubeconfig as
 * login would write it — its server, CA and this user's exec — beside the real one, so relative paths mean the same.
 * The copy is 0600 and removed at once; kubectl runs with the environment login has (no secret is in it) and without
 * kuberc (login adds itself there afterwards).
 */
export const askCluster = async (cluster: ClusterToAsk, env: NodeJS.ProcessEnv): Promise<ClusterAnswer> => {
  // Beside the kubeconfig; a kubeconfig not written yet (nor its folder: --dry-run makes none) has no relative paths.
  const dir = existsSync(dirname(cluster.file)) ? dirname(cluster.file) : tmpdir();
  const copy = join(dir, `.kubectl-oidc-check-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(copy, cluster.text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    return {
      ok: 'unknown',
      line: `! cannot write a copy to check the cluster with in ${dir} (${(err as NodeJS.ErrnoException).code}): not checked`,
    };
  }
  try {
    const args = [
      `--kubeconfig=${copy}`,
      `--context=${cluster.context}`,
      `--request-timeout=${ASK_SECONDS}s`,
      'auth',
      'whoami',
      '-o',
      'json',
    ];
    const answer = await new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'kubectl',
        args,
        { env: { ...env, KUBECTL_KUBERC: 'false' }, timeout: (ASK_SECONDS + 10) * 1000, killSignal: 'SIGKILL', windowsHide: true },
        (err, stdout, stderr) => {
          const killed = (err as { killed?: boolean } | null)?.killed;
          resolve({
            code: err ? ((err as NodeJS.ErrnoException).code ?? 1) : 0,
            stdout,
            stderr: killed ? `${stderr}\ndial tcp: no answer within ${ASK_SECONDS + 10} s` : stderr,
          });
        },
      );
    });
    if (answer.code === 'ENOENT')
      return { ok: 'unknown', line: '! kubectl is not on PATH: the cluster was not asked (kubectl auth whoami does it)' };
    if (answer.code !== 0) return judged(answer.stderr || String(answer.code), cluster);
    const review = JSON.parse(answer.stdout) as { status?: { userInfo?: { username?: string; groups?: string[] } } };
    const user = review.status?.userInfo;
    return {
      ok: true,
      line: `✓ the cluster takes it: username ${user?.username ?? '(none)'}, groups [${(user?.groups ?? []).join(', ')}]`,
    };
  } catch (err) {
    return { ok: 'unknown', line: `! the cluster's answer could not be read (${(err as Error).message}): not checked` };
  } finally {
    await rm(copy, { force: true });
  }
};
