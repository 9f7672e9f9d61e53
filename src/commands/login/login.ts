import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { Ambient } from '../../ambient.js';
import { PluginError } from '../../errors.js';
import { interruption } from '../../interrupt.js';
import { unifiedDiff } from '../../kubeconfig/diff.js';
import { type EntriesWritten, type NamedEntry, writeEntries } from '../../kubeconfig/entries.js';
import { readIfThere } from '../../kubeconfig/file.js';
import { allowInKuberc } from '../../kubeconfig/kuberc.js';
import { editUnderKubectlLock } from '../../kubeconfig/locked-file.js';
import { type ExecArgs, execConfig, kubeconfigArgs } from '../../options/kubeconfig-args.js';
import type { LoginCommandOptions } from '../../options/types.js';
import { briefText, setup } from '../setup/setup.js';
import { askCluster } from './cluster-check.js';

export interface LoginFiles {
  kubeconfig: string;
  kuberc: string;
  /** The command the kubeconfig's user runs: this executable, by absolute path (what kuberc's allowlist matches). */
  command: string;
}

export interface LoginResult {
  report: string;
  failure?: PluginError;
}

/** The cluster the context uses: written from --server, or one the kubeconfig has (named, or the context's). */
const clusterOf = (
  options: LoginCommandOptions,
  caData: string | undefined,
  text: string,
  file: string,
): { name: string; entry?: NamedEntry } => {
  const k = options.kubeconfig;
  if (k.server) {
    const name = k.cluster ?? k.context;
    const cluster = { server: k.server, ...(caData ? { 'certificate-authority-data': caData } : {}) };
    return { name, entry: { list: 'clusters', item: { name, cluster } } };
  }
  const config = (parseDocument(text).toJSON() ?? {}) as {
    clusters?: { name?: string }[];
    contexts?: { name?: string; context?: { cluster?: string } }[];
  };
  const wanted = k.cluster ?? config.contexts?.find((c) => c?.name === k.context)?.context?.cluster;
  if (wanted && config.clusters?.some((c) => c?.name === wanted)) return { name: wanted };
  throw new PluginError(
    'usage',
    k.cluster ? `${file} has no cluster ${k.cluster}` : `${file} has no context ${k.context} to take the cluster from`,
    'pass --server <url> (and --cluster-ca <file>) to write the cluster, or --cluster <name> of one the kubeconfig has',
  );
};

const readClusterCa = async (options: LoginCommandOptions): Promise<string | undefined> => {
  const { clusterCa } = options.kubeconfig;
  if (!clusterCa) return undefined;
  const pem = await readFile(clusterCa, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PluginError('usage', `cannot read --cluster-ca ${clusterCa}: ${err.code ?? err.message}`);
  });
  return Buffer.from(pem).toString('base64');
};

/** The user, cluster and context to write, and the current context: from the options and the file as it is now. */
const entriesFor = (options: LoginCommandOptions, files: LoginFiles, caData: string | undefined, exec: Record<string, unknown>) => {
  const k = options.kubeconfig;
  const user = k.user ?? k.context;
  return (text: string): EntriesWritten => {
    const cluster = clusterOf(options, caData, text, files.kubeconfig);
    const entries: NamedEntry[] = [
      ...(cluster.entry ? [cluster.entry] : []),
      { list: 'users', item: { name: user, user: { exec } } },
      { list: 'contexts', item: { name: k.context, context: { cluster: cluster.name, user } } },
    ];
    return writeEntries(text, entries, k.setCurrent ? k.context : undefined, files.kubeconfig);
  };
};

/** The secrets a user's exec would carry in its env, only with --write-secrets, and only into a file no one else reads. */
const secretsToWrite = async (options: LoginCommandOptions, file: string, env: ExecArgs['env']): Promise<ExecArgs['env']> => {
  if (!options.kubeconfig.writeSecrets || env.length === 0) return [];
  const mode = await stat(file).then(
    (s) => s.mode,
    () => undefined,
  );
  if (mode !== undefined && (mode & 0o077) !== 0) {
    throw new PluginError(
      'usage',
      `${file} can be read by others (mode ${(mode & 0o777).toString(8)}), and --write-secrets would put a secret in it`,
      `chmod 600 ${file}, or leave out --write-secrets and give kubectl the secret in its environment`,
    );
  }
  return env;
};

/**
 * `kubectl-oidc login`: the session from the session service (a valid one reused, unless --force-login) with setup's
 * checks and verdict (shown briefly), then the user (this executable, by absolute path), the cluster when given and the
 * context written into the kubeconfig, and our entry into a kuberc that allowlists credential plugins — each file
 * under kubectl's lock, read again under it after the login, only our entries changed. With --oidc-audience the
 * exchanged session is saved too: the first kubectl command makes no request to the IdP.
 */
export const loginCommand = async (
  options: LoginCommandOptions,
  files: LoginFiles,
  ambient: Ambient,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<LoginResult> => {
  const k = options.kubeconfig;
  if (k.server && !/^https?:\/\/[^/]/.test(k.server)) {
    throw new PluginError('usage', `--server ${k.server} is not an http(s) URL`, "pass the API server's URL, https://<host>:<port>");
  }
  const caData = await readClusterCa(options);
  // A context with no cluster to use is a usage error before any browser opens.
  clusterOf(options, caData, await readIfThere(files.kubeconfig), files.kubeconfig);
  const { args, env: secrets } = kubeconfigArgs(options.getToken);
  const env = await secretsToWrite(options, files.kubeconfig, secrets);
  const user = k.user ?? k.context;
  const checked = await setup(
    {
      getToken: options.getToken,
      apiserver: options.apiserver,
      ...(options.authenticationConfigFile ? { authenticationConfigFile: options.authenticationConfigFile } : {}),
      output: 'text',
      showSecrets: false,
      saveSession: true,
      forceLogin: options.forceLogin,
      kubeconfigUser: user,
    },
    ambient,
    environment,
  );
  const audience = options.getToken.provider.audience ?? options.getToken.provider.clientId;
  const out = briefText(checked.checked, audience);
  // A login that did not complete writes nothing: the kubeconfig would hold a user nobody has tried.
  if (!checked.checked.token) return { report: `${out.join('\n')}\n`, failure: checked.failure };

  const entries = entriesFor(options, files, caData, execConfig(files.command, args, env));
  const edit = { ...ambient, waitMs: 10_000, signal: interruption(ambient.log), backupSuffix: 'kubectl-oidc-backup' };
  const before = await readIfThere(files.kubeconfig);
  let written: EntriesWritten | undefined = entries(before);
  // The cluster asked through what would be written; a refusal writes nothing.
  if (k.skipClusterCheck) out.push('! the cluster was not asked (--skip-cluster-check)');
  else {
    const answer = await askCluster(
      { text: written.text, file: files.kubeconfig, context: k.context, serverGiven: Boolean(k.server), audience },
      environment,
    );
    if (answer.ok === false) return { report: `${out.join('\n')}\n`, failure: answer.failure };
    out.push(answer.line);
  }
  out.push('');
  if (k.dryRun) {
    if (written.text !== before)
      out.push(unifiedDiff(before, written.text, files.kubeconfig, `${files.kubeconfig}\t(after login)`).trimEnd());
  } else {
    const edited = await editUnderKubectlLock(
      files.kubeconfig,
      (text) => {
        written = entries(text);
        return written.text;
      },
      edit,
    );
    if (edited.backup) out.push(`  (backup of ${files.kubeconfig}: ${edited.backup})`);
  }
  const where = k.dryRun ? `${files.kubeconfig} (dry run, not written)` : files.kubeconfig;
  out.push(`${where}: ${written && written.changes.length > 0 ? written.changes.join(', ') : 'already as it should be'}`);
  const unwritten = secrets.filter((secret) => !env.includes(secret)).map((secret) => secret.name);
  if (unwritten.length > 0) {
    out.push(
      `! the kubeconfig carries no secret: kubectl needs ${unwritten.join(', ')} in its environment (or run login with --write-secrets)`,
    );
  }

  const kubercText = await readIfThere(files.kuberc);
  if (kubercText !== '') {
    let kuberc = allowInKuberc(kubercText, files.command, files.kuberc);
    if (k.dryRun) {
      if (kuberc.text !== kubercText)
        out.push(unifiedDiff(kubercText, kuberc.text, files.kuberc, `${files.kuberc}\t(after login)`).trimEnd());
    } else if (kuberc.text !== kubercText) {
      const edited = await editUnderKubectlLock(
        files.kuberc,
        (text) => {
          kuberc = allowInKuberc(text, files.command, files.kuberc);
          return kuberc.text;
        },
        edit,
      );
      if (edited.backup) out.push(`  (backup of ${files.kuberc}: ${edited.backup})`);
    }
    if (kuberc.text !== kubercText)
      out.push(`${files.kuberc}: ${k.dryRun ? 'would add' : 'added'} ${files.command} to credentialPluginAllowlist`);
    if (kuberc.denied) out.push(`! ${kuberc.denied}`);
  }
  if (!k.dryRun) out.push(`kubectl --context=${k.context} uses this session${k.setCurrent ? ' (the current context now)' : ''}`);
  return { report: `${out.join('\n')}\n`, failure: checked.failure };
};
