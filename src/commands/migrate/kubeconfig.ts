import { type Document, isAlias, isMap, isNode, isSeq, type Node, parseDocument, visit, type YAMLMap, type YAMLSeq } from 'yaml';
import { PluginError } from '../../errors.js';
import { commandName } from '../../kubeconfig/command-name.js';
import { textEdits, writtenAnew } from '../../kubeconfig/text-edits.js';
import { flagPatterns, matchesAny } from '../../options/flag-patterns.js';
import { type ExecArgs, kubeconfigArgs } from '../../options/kubeconfig-args.js';
import { fastParseGetToken, klogFlag } from '../../options/parse.js';
import { expandHome, rowsOf } from '../../options/table.js';

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
  /** kubelogin users left as they were, and why. */
  skipped: { name: string; why: string }[];
}

/** The get-token arguments of a kubelogin exec (kubectl oidc-login get-token …, kubelogin get-token …), else undefined. */
export const kubeloginArgs = (command: string, args: string[]): string[] | undefined => {
  const name = commandName(command);
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
    if (!options) return undefined;
    const canonical = kubeconfigArgs(options);
    // A `~/…` path stays as written (the kubeconfig may travel to another home), not as this machine expanded it.
    const written = new Map<string, string>();
    for (const [i, arg] of getTokenArgs.entries()) {
      const inline = /^(--[^=]+)=(~(?:\/.*)?)$/.exec(arg);
      const [flag, value] = inline ? [inline[1]!, inline[2]!] : [arg, getTokenArgs[i + 1] ?? ''];
      if (/^~(\/|$)/.test(value)) written.set(`${flag}=${expandHome(value)}`, `${flag}=${value}`);
    }
    return { ...canonical, args: canonical.args.map((arg) => written.get(arg) ?? arg) };
  } catch {
    return undefined;
  }
};

const isGetTokenFlag = matchesAny(rowsOf('get-token').flatMap(flagPatterns));

/**
 * The first of kubelogin's flags that kubectl-oidc does not take (one kubelogin added since, or a typo kubelogin let
 * through): a user migrated with it would fail every kubectl call, so it is left as it is.
 */
export const untranslatableFlag = (getTokenArgs: string[]): string | undefined =>
  getTokenArgs.find((arg) => {
    if (!arg.startsWith('-') || arg === '-' || arg === '--') return false;
    if (isGetTokenFlag(arg)) return false;
    const name = arg.replace(/^--?/, '').split('=')[0]!;
    return klogFlag(name) === undefined && !/^v(=?\d+)?$/.test(name);
  });

const addEnv = (doc: Document, exec: YAMLMap, entries: ExecArgs['env']): void => {
  if (entries.length === 0) return;
  const env = exec.get('env');
  const list = isSeq(env) ? (env as YAMLSeq) : (doc.createNode([]) as YAMLSeq);
  const present = new Set((list.toJSON() as { name?: unknown }[]).map((entry) => entry?.name));
  for (const entry of entries) if (!present.has(entry.name)) list.add(doc.createNode(entry));
  exec.set('env', list);
};

/**
 * The node at `key` of `parent` as this user's own: an alias there is replaced by a copy of what it points to, so that
 * editing it changes nothing for the users that share the anchor.
 */
const ownNode = (doc: Document, parent: YAMLMap, key: string, copied: { alias: boolean }): unknown => {
  const value = parent.get(key, true);
  if (!isAlias(value)) return value;
  copied.alias = true;
  const copy = (value.resolve(doc) as Node | undefined)?.clone() as { anchor?: string } | undefined;
  if (!copy) return undefined;
  copy.anchor = undefined;
  parent.set(key, copy);
  return copy;
};

/**
 * Rewrites every user whose exec runs kubelogin to run `command get-token` with the same flags (kubectl-oidc takes
 * kubelogin's, deprecated names included). Everything else in the document stays as it was: other users, comments,
 * order, the exec's env and interactiveMode, anchors other users share, line ends and a byte order mark. A user whose
 * exec borrows from an anchor gets its own copy first; a user whose exec is the anchor others still borrow is left as
 * it was, with the reason.
 */
export const migrateKubeconfig = (text: string, command: string, file: string): Migration => {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new PluginError('usage', `${file} is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const users = doc.get('users');
  const migrated: KubeloginUser[] = [];
  const skipped: Migration['skipped'] = [];
  if (!isSeq(users)) return { text, users: migrated, skipped };
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  // The kubelogin users, each with its own copy of what it borrowed through an alias.
  const found: { item: YAMLMap; exec: YAMLMap; execCommand: string; list: string[]; getTokenArgs: string[] }[] = [];
  const copied = { alias: false };
  const edits = textEdits(text);
  for (const item of (users as YAMLSeq).items) {
    if (!isMap(item)) continue;
    const userNode = resolve((item as YAMLMap).get('user', true));
    const peek = isMap(userNode) ? resolve(userNode.get('exec', true)) : undefined;
    if (!isMap(peek)) continue;
    const execCommand = String(peek.get('command') ?? '');
    const args = resolve(peek.get('args', true));
    const list = isSeq(args) ? (args.toJSON() as unknown[]).map(String) : [];
    const getTokenArgs = kubeloginArgs(execCommand, list);
    if (!getTokenArgs) continue;
    const user = ownNode(doc, item as YAMLMap, 'user', copied);
    const exec = isMap(user) ? ownNode(doc, user, 'exec', copied) : undefined;
    if (!isMap(exec)) continue;
    ownNode(doc, exec, 'args', copied);
    found.push({ item: item as YAMLMap, exec, execCommand, list, getTokenArgs });
  }
  const borrowed = new Set<string>();
  visit(doc, {
    Alias: (_key, alias) => {
      borrowed.add(alias.source);
    },
  });
  for (const { item, exec, execCommand, list, getTokenArgs } of found) {
    const name = String(item.get('name') ?? '');
    const args = exec.get('args', true) as unknown;
    const user = item.get('user', true) as unknown;
    const shared = [user, exec, args].find((node) => isNode(node) && node.anchor && borrowed.has(node.anchor)) as Node | undefined;
    if (shared) {
      skipped.push({ name, why: `its exec is shared with other users through the anchor &${shared.anchor}` });
      continue;
    }
    const unknown = untranslatableFlag(getTokenArgs);
    if (unknown) {
      skipped.push({ name, why: `kubectl-oidc has no ${unknown.split('=')[0]} (remove it or replace it, then migrate again)` });
      continue;
    }
    edits.replaceScalar(exec.get('command', true), command);
    exec.set('command', command);
    const canonical = canonicalArgs(getTokenArgs);
    if (canonical && canonical.args.join('\0') !== ['get-token', ...getTokenArgs].join('\0')) {
      // Deprecated names translated, secrets moved from argv to the exec env: the list rewritten, in its own style.
      edits.replaceSeq(args as YAMLSeq, canonical.args);
      edits.addEnv(exec, canonical.env);
      const rewritten = doc.createNode(canonical.args) as YAMLSeq;
      rewritten.flow = (args as YAMLSeq).flow ?? false;
      exec.set('args', rewritten);
      addEnv(doc, exec, canonical.env);
    } else if (list[0] === 'oidc-login') {
      // kubectl oidc-login get-token …: drop "oidc-login"; the rest of the list, and its style, stays.
      edits.dropFirst(args as YAMLSeq);
      (args as YAMLSeq).delete(0);
    }
    migrated.push({ name, was: [execCommand, ...list.slice(0, list.length - getTokenArgs.length)].join(' '), getTokenArgs });
  }
  if (migrated.length === 0) return { text, users: migrated, skipped };
  // The edits spliced into the text as it was, every other byte kept; where an alias had to be copied out (or an edit
  // has no place in the text as written), the document is written anew instead.
  const spliced = copied.alias ? undefined : edits.apply();
  if (spliced !== undefined) return { text: spliced, users: migrated, skipped };
  return { text: writtenAnew(doc, text), users: migrated, skipped };
};
