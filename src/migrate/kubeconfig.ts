import {
  Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type Scalar,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { PluginError } from '../errors.js';
import { type ExecArgs, kubeconfigArgs } from '../options/kubeconfig-args.js';
import { fastParseGetToken } from '../options/parse.js';
import { expandHome } from '../options/table.js';

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

const addEnv = (doc: Document, exec: YAMLMap, entries: ExecArgs['env']): void => {
  if (entries.length === 0) return;
  const env = exec.get('env');
  const list = isSeq(env) ? (env as YAMLSeq) : (doc.createNode([]) as YAMLSeq);
  const present = new Set((list.toJSON() as { name?: unknown }[]).map((entry) => entry?.name));
  for (const entry of entries) if (!present.has(entry.name)) list.add(doc.createNode(entry));
  exec.set('env', list);
};

const BOM = '\uFEFF';

/** Whether the file writes block lists at their key's indent ("- name:" under "users:"), as kubectl does, or further in. */
const listsAtKeyIndent = (text: string): boolean => /^[^\s#][^\n]*:\r?\n-\s/m.test(text);

/** A scalar as YAML writes it in a flow or block context: plain where it can be, quoted where it must. */
const scalarText = (value: string, type?: Scalar['type']): string => {
  const doc = new Document(value);
  if (type && type !== 'PLAIN') (doc.contents as Scalar).type = type;
  return doc.toString({ lineWidth: 0 }).replace(/\r?\n$/, '');
};

/** A list or mapping as YAML writes it in flow style, quoting what must be quoted there (a comma, a bracket). */
const flowText = (value: unknown): string => {
  const doc = new Document(value);
  visit(doc, {
    Map: (_key, node) => {
      node.flow = true;
    },
    Seq: (_key, node) => {
      node.flow = true;
    },
  });
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 }).replace(/\r?\n$/, '');
};

/**
 * Changes to the text as written, by the source ranges of the nodes they replace: what migrate edits is rewritten,
 * everything else (comments and the spaces before them, alignment, quoting, flow style) keeps its bytes. An edit the
 * text offers no place for (a flow mapping to add a key to) makes `apply` answer undefined.
 */
const textEdits = (text: string) => {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const splices: { start: number; end: number; insert: string }[] = [];
  let unplaceable = false;
  const lineStart = (offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
  const column = (offset: number): number => offset - lineStart(offset);
  /** Where a node's text ends: a block collection's range runs on over the line end and the next line's indent. */
  const end = (node: Node): number => {
    let at = node.range![1];
    while (at > node.range![0] && /\s/.test(text[at - 1]!)) at--;
    return at;
  };
  return {
    replaceScalar(node: unknown, value: string): void {
      if (!isScalar(node) || !node.range) {
        unplaceable = true;
        return;
      }
      splices.push({ start: node.range[0], end: node.range[1], insert: scalarText(value, node.type) });
    },
    replaceSeq(seq: YAMLSeq, values: string[]): void {
      if (!seq.range) {
        unplaceable = true;
        return;
      }
      // Block items as "- x" lines at the column of the first dash.
      const dash = `${eol}${' '.repeat(column(seq.range[0]))}- `;
      const insert = seq.flow ? flowText(values) : `- ${values.map((value) => scalarText(value)).join(dash)}`;
      splices.push({ start: seq.range[0], end: end(seq), insert });
    },
    /** Drops the list's first item (and its comments), the rest as it was. */
    dropFirst(seq: YAMLSeq): void {
      const [first, second] = seq.items as Node[];
      if (!seq.range || !first?.range || !second?.range) {
        unplaceable = true;
        return;
      }
      const from = seq.flow ? first.range[0] : seq.range[0];
      const to = seq.flow ? second.range[0] : text.lastIndexOf('-', second.range[0] - 1);
      splices.push({ start: from, end: to, insert: '' });
    },
    /** Adds secrets to the exec's env list, or an env list after its last key, in the style of what is there. */
    addEnv(exec: YAMLMap, entries: ExecArgs['env']): void {
      const env = exec.get('env', true);
      const present = new Set(isSeq(env) ? (env.toJSON() as { name?: unknown }[]).map((entry) => entry?.name) : []);
      const added = entries.filter((entry) => !present.has(entry.name));
      if (added.length === 0) return;
      const flowEntries = flowText(added).slice(1, -1);
      const blockEntries = (dash: string): string =>
        added.map(({ name, value }) => `${dash}- name: ${scalarText(name)}${eol}${dash}  value: ${scalarText(value)}`).join(eol);
      const insertAt = (at: number, insert: string): void => void splices.push({ start: at, end: at, insert });
      if (isSeq(env) && env.range) {
        // Before the closing bracket of a flow list; after the last item of a block list, at its dash's column.
        if (env.flow) insertAt(end(env) - 1, `${env.items.length > 0 ? ', ' : ''}${flowEntries}`);
        else insertAt(end(env), `${eol}${blockEntries(' '.repeat(column(env.range[0])))}`);
        return;
      }
      const firstKey = exec.items[0]?.key as Node | undefined;
      if (env !== undefined || !exec.range || !firstKey?.range) {
        unplaceable = true;
        return;
      }
      if (exec.flow) {
        insertAt(end(exec) - 1, `, env: [${flowEntries}]`);
        return;
      }
      const indent = ' '.repeat(column(firstKey.range[0]));
      const dash = listsAtKeyIndent(text) ? indent : `${indent}  `;
      insertAt(end(exec), `${eol}${indent}env:${eol}${blockEntries(dash)}`);
    },
    apply(): string | undefined {
      if (unplaceable) return undefined;
      let out = text;
      for (const { start, end, insert } of [...splices].sort((a, b) => b.start - a.start)) {
        out = out.slice(0, start) + insert + out.slice(end);
      }
      return out;
    },
  };
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
  // Written in the file's own layout (block lists, line ends and a byte order mark as they were).
  let out = doc.toString({ indentSeq: !listsAtKeyIndent(text), flowCollectionPadding: false, lineWidth: 0 });
  if (text.includes('\r\n')) out = out.replace(/\r?\n/g, '\r\n');
  if (text.startsWith(BOM) && !out.startsWith(BOM)) out = `${BOM}${out}`;
  return { text: out, users: migrated, skipped };
};

/** How far ahead the diff looks for where the two texts meet again: migrate changes a few lines per user. */
const WINDOW = 64;
/** Unchanged lines shown around each change, as diff -u does. */
const CONTEXT = 3;

/** The lines of a text (a CR stays with its line); a last line end ends the last line rather than starting an empty one. */
const linesOf = (text: string): string[] => {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

/**
 * A unified diff (diff -u, which patch and git apply take) for --dry-run, in memory that does not grow with the file
 * (a 20 MB kubeconfig included): equal lines are walked past, keeping the last few as context, and at a difference the
 * nearest place where both texts meet again (within WINDOW lines) ends the change.
 */
export const unifiedDiff = (before: string, after: string, from: string, to: string): string => {
  const a = linesOf(before);
  const b = linesOf(after);
  const hunks: string[] = [];
  let i = 0;
  let j = 0;
  let recent: string[] = [];
  let hunk: { aStart: number; bStart: number; aLength: number; bLength: number; lines: string[] } | undefined;
  let trailing = 0;
  const close = (): void => {
    if (!hunk) return;
    const { aStart, bStart, aLength, bLength, lines } = hunk;
    const range = (start: number, length: number): string => `${length === 0 ? start - 1 : start},${length}`;
    hunks.push(`@@ -${range(aStart, aLength)} +${range(bStart, bLength)} @@`, ...lines);
    hunk = undefined;
  };
  const meet = (): [number, number] => {
    for (let distance = 1; distance <= WINDOW; distance++) {
      for (let x = 0; x <= distance; x++) {
        const y = distance - x;
        if (i + x < a.length && j + y < b.length && a[i + x] === b[j + y]) return [x, y];
      }
    }
    return [Math.min(1, a.length - i), Math.min(1, b.length - j)];
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      const line = a[i]!;
      i++;
      j++;
      if (!hunk) {
        recent.push(line);
        if (recent.length > CONTEXT) recent.shift();
        continue;
      }
      hunk.lines.push(` ${line}`);
      hunk.aLength++;
      hunk.bLength++;
      // Far enough from the next change: the hunk ends with CONTEXT lines, the rest is the next one's leading context.
      if (++trailing > 2 * CONTEXT) {
        const after = hunk.lines.splice(hunk.lines.length - CONTEXT - 1);
        hunk.aLength -= after.length;
        hunk.bLength -= after.length;
        recent = after.slice(1).map((kept) => kept.slice(1));
        close();
      }
      continue;
    }
    if (!hunk) {
      hunk = {
        aStart: i - recent.length + 1,
        bStart: j - recent.length + 1,
        aLength: recent.length,
        bLength: recent.length,
        lines: recent.map((line) => ` ${line}`),
      };
      recent = [];
    }
    const [x, y] = meet();
    for (let k = 0; k < x; k++) hunk.lines.push(`-${a[i++]}`);
    for (let k = 0; k < y; k++) hunk.lines.push(`+${b[j++]}`);
    hunk.aLength += x;
    hunk.bLength += y;
    trailing = 0;
  }
  if (hunk && trailing > CONTEXT) {
    hunk.lines.splice(hunk.lines.length - (trailing - CONTEXT));
    hunk.aLength -= trailing - CONTEXT;
    hunk.bLength -= trailing - CONTEXT;
  }
  close();
  return hunks.length > 0 ? `--- ${from}\n+++ ${to}\n${hunks.join('\n')}\n` : '';
};
