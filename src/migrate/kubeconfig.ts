import { type Document, isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { PluginError } from '../errors.js';
import { type ExecArgs, kubeconfigArgs } from '../options/kubeconfig-args.js';
import { fastParseGetToken } from '../options/parse.js';

/** A user whose exec runs kubelogin, and the get-token arguments it passes. */
export interface KubeloginUser {
  name: string;
  /** The command as it was, for the report (e.g. "kubectl oidc-login get-token"). */
  was: string;
  getTokenArgs: string[];
}

export interface Migration {
  text: string;
  users: KubeloginUser[];
}

const basename = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).replace(/\.exe$/i, '');

/** The get-token arguments of a kubelogin exec (kubectl oidc-login get-token …, kubelogin get-token …), else undefined. */
export const kubeloginArgs = (command: string, args: string[]): string[] | undefined => {
  const name = basename(command);
  if ((name === 'kubelogin' || name === 'kubectl-oidc_login') && args[0] === 'get-token') return args.slice(1);
  if (name === 'kubectl' && args[0] === 'oidc-login' && args[1] === 'get-token') return args.slice(2);
  return undefined;
};

/**
 * kubelogin's arguments as kubectl-oidc writes them (deprecated names such as --oidc-use-pkce translated, a client
 * secret or password moved to the exec env, klog's logging flags left out), or undefined where they need commander (-v)
 * or a file that is not there: those are kept as they are, since kubectl-oidc takes them too.
 */
const canonicalArgs = (getTokenArgs: string[]): ExecArgs | undefined => {
  try {
    const options = fastParseGetToken(getTokenArgs, {});
    return options && kubeconfigArgs(options);
  } catch {
    return undefined;
  }
};

const addEnv = (doc: Document, exec: YAMLMap, entries: ExecArgs['env']): void => {
  if (entries.length === 0) return;
  const env = exec.get('env');
  const list = isSeq(env) ? (env as YAMLSeq) : (doc.createNode([]) as YAMLSeq);
  const present = new Set((list.toJSON() as { name?: unknown }[]).map((entry) => entry?.name));
  for (const entry of entries) if (!present.has(entry.name)) list.add(doc.createNode(entry));
  exec.set('env', list);
};

/**
 * Rewrites every user whose exec runs kubelogin to run `command get-token` with the same flags (kubectl-oidc takes
 * kubelogin's, deprecated names included). Everything else in the document stays as it was: other users, comments,
 * order, the exec's env and interactiveMode.
 */
export const migrateKubeconfig = (text: string, command: string, file: string): Migration => {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new PluginError('usage', `${file} is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const users = doc.get('users');
  const migrated: KubeloginUser[] = [];
  if (!isSeq(users)) return { text, users: migrated };
  for (const item of (users as YAMLSeq).items) {
    if (!isMap(item)) continue;
    const exec = (item as YAMLMap).getIn(['user', 'exec']);
    if (!isMap(exec)) continue;
    const execCommand = String(exec.get('command') ?? '');
    const args = exec.get('args');
    const list = isSeq(args) ? (args.toJSON() as unknown[]).map(String) : [];
    const getTokenArgs = kubeloginArgs(execCommand, list);
    if (!getTokenArgs) continue;
    exec.set('command', command);
    const canonical = canonicalArgs(getTokenArgs);
    if (canonical && canonical.args.join('\0') !== ['get-token', ...getTokenArgs].join('\0')) {
      // Deprecated names translated, secrets moved from argv to the exec env: the list rewritten, in its own style.
      const rewritten = doc.createNode(canonical.args) as YAMLSeq;
      rewritten.flow = (args as YAMLSeq).flow ?? false;
      exec.set('args', rewritten);
      addEnv(doc, exec, canonical.env);
    } else if (list[0] === 'oidc-login') {
      // kubectl oidc-login get-token …: drop "oidc-login"; the rest of the list, and its style, stays.
      (args as YAMLSeq).delete(0);
    }
    migrated.push({
      name: String((item as YAMLMap).get('name') ?? ''),
      was: [execCommand, ...list.slice(0, list.length - getTokenArgs.length)].join(' '),
      getTokenArgs,
    });
  }
  // Written in the file's own layout: kubectl writes block lists at their key's indent ("- name:" under "users:").
  const indentSeq = !/^[^\s#][^\n]*:\n-\s/m.test(text);
  return { text: migrated.length > 0 ? doc.toString({ indentSeq, flowCollectionPadding: false, lineWidth: 0 }) : text, users: migrated };
};

/** A line diff (longest common subsequence), for --dry-run. */
export const lineDiff = (before: string, after: string): string => {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out.join('\n');
};
