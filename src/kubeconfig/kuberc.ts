import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { PluginError } from '../errors.js';
import { commandName } from './command-name.js';
import { textEdits, writtenAnew } from './text-edits.js';

export interface KubercChange {
  text: string;
  /** Why kubectl will not run the plugin whatever the allowlist says (a DenyAll policy), for the report. */
  denied?: string;
}

/**
 * kubectl ≥ 1.35 runs only the credential plugins a kuberc with `credentialPluginPolicy: Allowlist` lists: our command
 * is added to `credentialPluginAllowlist` (the 1.35 form, `name:` with the absolute path) unless an entry names it
 * already (its path, or its name on PATH). A DenyAll policy is said, not changed: it is the user's choice.
 */
export const allowInKuberc = (text: string, command: string, file: string): KubercChange => {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new PluginError('usage', `${file} is not a kuberc (YAML mapping)`);
  const policy = doc.get('credentialPluginPolicy');
  if (policy === 'DenyAll') {
    return {
      text,
      denied: `${file} sets credentialPluginPolicy: DenyAll: kubectl ≥ 1.35 runs no credential plugin; allow ${command} there`,
    };
  }
  if (policy !== 'Allowlist') return { text };
  const list = doc.get('credentialPluginAllowlist', true);
  const named = (entry: unknown): string[] =>
    isMap(entry) ? ['name', 'command'].map((key) => String((entry as YAMLMap).get(key) ?? '')) : [];
  if (isSeq(list) && list.items.some((entry) => named(entry).some((name) => name === command || name === commandName(command))))
    return { text };
  const entry = { name: command };
  const edits = textEdits(text);
  if (list === undefined) edits.appendKey('credentialPluginAllowlist', [entry]);
  else edits.appendItem(list, entry);
  const spliced = edits.apply();
  if (spliced !== undefined) return { text: spliced };
  if (isSeq(list)) list.add(doc.createNode(entry));
  else doc.set('credentialPluginAllowlist', [entry]);
  return { text: writtenAnew(doc, text) };
};
