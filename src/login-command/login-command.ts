import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import { unifiedDiff } from '../kubeconfig/diff.js';
import { type NamedEntry, writeEntries } from '../kubeconfig/entries.js';
import { backUp, readIfThere, writeInPlace } from '../kubeconfig/file.js';
import { allowInKuberc } from '../kubeconfig/kuberc.js';
import { execConfig, kubeconfigArgs } from '../options/kubeconfig-args.js';
import type { LoginCommandOptions } from '../options/types.js';
import { writeFileAtomic } from '../session/file-store.js';
import { briefText, setup } from '../setup/setup.js';

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
const clusterOf = async (options: LoginCommandOptions, text: string, file: string): Promise<{ name: string; entry?: NamedEntry }> => {
  const k = options.kubeconfig;
  if (k.server) {
    let ca: string | undefined;
    if (k.clusterCa) {
      const pem = await readFile(k.clusterCa, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new PluginError('usage', `cannot read --cluster-ca ${k.clusterCa}: ${err.code ?? err.message}`);
      });
      ca = Buffer.from(pem).toString('base64');
    }
    const name = k.cluster ?? k.context;
    const cluster = { server: k.server, ...(ca ? { 'certificate-authority-data': ca } : {}) };
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

/** A file as it will be: its diff for --dry-run, else written (a backup of what was there first) and said. */
const writeOrShow = async (file: string, before: string, after: string, dryRun: boolean, ambient: Ambient): Promise<string[]> => {
  if (after === before) return [];
  if (dryRun) return [unifiedDiff(before, after, file, `${file}\t(after login)`).trimEnd()];
  if (before === '') {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, after, 0o600);
    return [];
  }
  const backup = await backUp(file, 'kubectl-oidc-backup', ambient.clock);
  await writeInPlace(file, after);
  return [`  (backup of ${file}: ${backup})`];
};

/**
 * `kubectl-oidc login`: logs in with setup's checks and verdict (shown briefly) and keeps the session, then writes the
 * user (this executable, by absolute path), the cluster when given and the context into the kubeconfig, and our entry
 * into a kuberc that allowlists credential plugins. With --oidc-audience the session saved is the exchanged one too:
 * the first kubectl command makes no request to the IdP.
 */
export const loginCommand = async (options: LoginCommandOptions, files: LoginFiles, ambient: Ambient): Promise<LoginResult> => {
  const k = options.kubeconfig;
  const before = await readIfThere(files.kubeconfig);
  const cluster = await clusterOf(options, before, files.kubeconfig);
  const { args, env } = kubeconfigArgs(options.getToken);
  const user = k.user ?? k.context;
  if (env.length > 0 && before !== '') {
    const { mode } = await stat(files.kubeconfig);
    if ((mode & 0o077) !== 0) {
      throw new PluginError(
        'usage',
        `${files.kubeconfig} can be read by others (mode ${(mode & 0o777).toString(8)}), and the user would carry a secret`,
        `chmod 600 ${files.kubeconfig}, or pass the secret from a file (--oidc-client-secret-file)`,
      );
    }
  }
  const checked = await setup(
    {
      getToken: options.getToken,
      apiserver: options.apiserver,
      ...(options.authenticationConfigFile ? { authenticationConfigFile: options.authenticationConfigFile } : {}),
      output: 'text',
      showSecrets: false,
      saveSession: !k.dryRun,
      kubeconfigUser: user,
    },
    ambient,
  );
  const audience = options.getToken.provider.audience ?? options.getToken.provider.clientId;
  const out = briefText(checked.checked, audience);
  // A login that did not complete writes nothing: the kubeconfig would hold a user nobody has tried.
  if (!checked.checked.token) return { report: `${out.join('\n')}\n`, failure: checked.failure };

  const entries: NamedEntry[] = [
    ...(cluster.entry ? [cluster.entry] : []),
    { list: 'users', item: { name: user, user: { exec: execConfig(files.command, args, env) } } },
    { list: 'contexts', item: { name: k.context, context: { cluster: cluster.name, user } } },
  ];
  const written = writeEntries(before, entries, k.setCurrent ? k.context : undefined, files.kubeconfig);
  out.push('', ...(await writeOrShow(files.kubeconfig, before, written.text, k.dryRun, ambient)));
  const where = k.dryRun ? `${files.kubeconfig} (dry run, not written)` : files.kubeconfig;
  out.push(`${where}: ${written.changes.length > 0 ? written.changes.join(', ') : 'already as it should be'}`);

  const kubercText = await readIfThere(files.kuberc);
  if (kubercText !== '') {
    const kuberc = allowInKuberc(kubercText, files.command, files.kuberc);
    out.push(...(await writeOrShow(files.kuberc, kubercText, kuberc.text, k.dryRun, ambient)));
    if (kuberc.text !== kubercText)
      out.push(`${files.kuberc}: ${k.dryRun ? 'would add' : 'added'} ${files.command} to credentialPluginAllowlist`);
    if (kuberc.denied) out.push(`! ${kuberc.denied}`);
  }
  if (!k.dryRun) out.push(`kubectl --context=${k.context} uses this session${k.setCurrent ? ' (the current context now)' : ''}`);
  return { report: `${out.join('\n')}\n`, failure: checked.failure };
};
