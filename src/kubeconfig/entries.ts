import { type Alias, Document, isMap, isScalar, isSeq, type Node, parseDocument, visit, type YAMLMap, type YAMLSeq } from 'yaml';
import { PluginError } from '../errors.js';
import { quoteAmbiguous, textEdits, writtenAnew } from './text-edits.js';

/** A named entry of a kubeconfig list: a cluster, a user or a context, as kubectl writes it. */
export interface NamedEntry {
  list: 'clusters' | 'users' | 'contexts';
  item: { name: string } & Record<string, unknown>;
}

export interface EntriesWritten {
  text: string;
  /** What changed, for the report: "added user dev", "updated context dev", "current context dev". */
  changes: string[];
}

const NEW_KUBECONFIG = { apiVersion: 'v1', kind: 'Config', clusters: [], contexts: [], users: [], preferences: {} };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const within = (node: Node | undefined, outer: Node): boolean =>
  Boolean(node?.range && outer.range && node.range[0] >= outer.range[0] && node.range[1] <= outer.range[1]);

/**
 * Before an entry is replaced, every alias elsewhere of an anchor inside it (`context: *ctx` in another context) gets
 * its own copy of what it stands for: the anchor goes with the old entry, and kubectl would refuse the whole file.
 */
const detachAliases = (doc: Document, entry: YAMLMap, edits: ReturnType<typeof textEdits>): void => {
  visit(doc, {
    Alias: (_key, alias: Alias) => {
      const source = alias.resolve(doc);
      if (!source || !within(source, entry) || within(alias, entry)) return undefined;
      const value = source.toJS(doc);
      edits.replaceInFlow(alias, value);
      return doc.createNode(value);
    },
  });
};

/**
 * Adds or replaces named clusters, users and contexts (and the current context) in a kubeconfig's text. Edits are
 * spliced into the text as written: comments, order, quoting and layout of everything else keep their bytes, and
 * entries that already say the same are left alone (a second run changes nothing). An empty text becomes a new
 * kubeconfig; a layout edits have no place in (flow-style lists) is written anew by the YAML document.
 */
export const writeEntries = (text: string, entries: NamedEntry[], currentContext: string | undefined, file: string): EntriesWritten => {
  const doc = parseDocument(text.trim() === '' ? '{}' : text);
  if (doc.errors.length > 0) throw new PluginError('usage', `${file} is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (!isMap(doc.contents)) throw new PluginError('usage', `${file} is not a kubeconfig (its top level is not a mapping)`);
  const fresh = text.trim() === '';
  const edits = textEdits(text);
  const changes: string[] = [];
  for (const { list: listName, item } of entries) {
    const kind = listName.slice(0, -1);
    const list = doc.get(listName, true);
    const existing = isSeq(list)
      ? ((list as YAMLSeq).items.find((node) => isMap(node) && (node as YAMLMap).get('name') === item.name) as YAMLMap | undefined)
      : undefined;
    if (existing && same(existing.toJSON(), item)) continue;
    if (existing) {
      detachAliases(doc, existing, edits);
      edits.replaceItem(existing, item);
      (list as YAMLSeq).set((list as YAMLSeq).items.indexOf(existing), doc.createNode(item));
      changes.push(`updated ${kind} ${item.name}`);
    } else if (isSeq(list) && (list as YAMLSeq).items.length > 0) {
      edits.appendItem(list as YAMLSeq, item);
      (list as YAMLSeq).add(doc.createNode(item));
      changes.push(`added ${kind} ${item.name}`);
    } else {
      // No list yet (or an empty one): a flow [] or a null has no block to add to; the document is written anew.
      if (list === undefined) edits.appendKey(listName, [item]);
      else edits.appendItem(list, item);
      doc.set(listName, doc.createNode([item]));
      changes.push(`added ${kind} ${item.name}`);
    }
  }
  if (currentContext !== undefined && doc.get('current-context') !== currentContext) {
    const node = doc.get('current-context', true);
    if (isScalar(node)) edits.replaceScalar(node, currentContext);
    else edits.appendKey('current-context', currentContext);
    doc.set('current-context', currentContext);
    changes.push(`current context ${currentContext}`);
  }
  if (changes.length === 0) return { text, changes };
  if (fresh) {
    const created = quoteAmbiguous(new Document({ ...NEW_KUBECONFIG, ...(doc.toJSON() as object) }));
    return { text: created.toString({ lineWidth: 0, indentSeq: false }), changes };
  }
  const spliced = edits.apply();
  if (spliced !== undefined) return { text: spliced, changes };
  return { text: writtenAnew(doc, text), changes };
};
