import { Document, isScalar, isSeq, type Node, parse, type Scalar, visit, type YAMLMap, type YAMLSeq } from 'yaml';
import type { ExecArgs } from '../options/kubeconfig-args.js';

const BOM = '\uFEFF';

/** Whether the file writes block lists at their key's indent ("- name:" under "users:"), as kubectl does, or further in. */
const listsAtKeyIndent = (text: string): boolean => /^[^\s#][^\n]*:\r?\n-\s/m.test(text);

/** Whether to write lists at their key's indent: as the file does, or kubectl's way when the file indents none. */
const kubectlLayout = (text: string): boolean => listsAtKeyIndent(text) || !/:\r?\n[ \t]+-\s/.test(text);

/** Integers as Go's strconv reads them with base 0 (go-yaml v2, kubectl's reader, does): 0b…, 0o…, 0x…, 1_000. */
const GO_INTEGER = /^[-+]?(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/;

/**
 * Whether a string written plain would be read as something else by kubectl, which reads YAML 1.1 (yes/no/on/off/y/n,
 * ~ and null, 0b…/0x…/0o…, 1_000, sexagesimal 1:20) or by a YAML 1.2 reader.
 */
const ambiguous = (value: string): boolean => {
  try {
    return GO_INTEGER.test(value) || typeof parse(value, { version: '1.1' }) !== 'string' || typeof parse(value) !== 'string';
  } catch {
    return true;
  }
};

/** Quotes every plain string scalar of a document that a YAML 1.1 reader would take for a bool, null or number. */
export const quoteAmbiguous = (doc: Document): Document => {
  visit(doc, {
    Scalar: (_key, node) => {
      if (typeof node.value === 'string' && (node.type === undefined || node.type === 'PLAIN') && ambiguous(node.value)) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return doc;
};

/** The document written anew, in the file's own layout: list indentation, line ends and a byte order mark as they were. */
export const writtenAnew = (doc: Document, text: string): string => {
  let out = quoteAmbiguous(doc).toString({ indentSeq: !kubectlLayout(text), flowCollectionPadding: false, lineWidth: 0 });
  if (text.includes('\r\n')) out = out.replace(/\r?\n/g, '\r\n');
  return text.startsWith(BOM) && !out.startsWith(BOM) ? `${BOM}${out}` : out;
};

/** A scalar as YAML writes it in a flow or block context: plain where it can be, quoted where it must. */
export const scalarText = (value: string, type?: Scalar['type']): string => {
  const doc = quoteAmbiguous(new Document(value));
  if (type && type !== 'PLAIN') (doc.contents as Scalar).type = type;
  return doc.toString({ lineWidth: 0 }).replace(/\r?\n$/, '');
};

/** A list or mapping as YAML writes it in flow style, quoting what must be quoted there (a comma, a bracket). */
export const flowText = (value: unknown): string => {
  const doc = quoteAmbiguous(new Document(value));
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
/** A mapping in block style, its lines after the first indented by `indent` (the first follows a "- " or a key). */
const blockText = (value: unknown, indent: string, eol: string, indentSeq: boolean): string =>
  quoteAmbiguous(new Document(value))
    .toString({ lineWidth: 0, indentSeq, flowCollectionPadding: false })
    .replace(/\r?\n$/, '')
    .split('\n')
    .map((line, i) => (i === 0 ? line : `${indent}${line}`))
    .join(eol);

export const textEdits = (text: string) => {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // kubectl's own layout (lists at their key's indent) unless the file indents its lists.
  const atKeyIndent = kubectlLayout(text);
  const block = (value: unknown, indent: string): string => blockText(value, indent, eol, !atKeyIndent);
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
    /** A node (an alias) written in its place as the value it stands for, in flow style. */
    replaceInFlow(node: Node, value: unknown): void {
      if (!node.range) {
        unplaceable = true;
        return;
      }
      splices.push({ start: node.range[0], end: node.range[1], insert: flowText(value) });
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
    /** A mapping as a new last item of a block list, at its dash's column and in the file's indentation of lists. */
    appendItem(seq: unknown, value: unknown): void {
      if (!isSeq(seq) || !seq.range || seq.flow || seq.items.length === 0) {
        unplaceable = true;
        return;
      }
      const indent = ' '.repeat(column(seq.range[0]));
      splices.push({ start: end(seq), end: end(seq), insert: `${eol}${indent}- ${block(value, `${indent}  `)}` });
    },
    /** A list item's mapping written anew, at its column (comments before it stay). */
    replaceItem(item: YAMLMap, value: unknown): void {
      if (!item.range || item.flow) {
        unplaceable = true;
        return;
      }
      splices.push({ start: item.range[0], end: end(item), insert: block(value, ' '.repeat(column(item.range[0]))) });
    },
    /** A top-level key the document lacks, after everything else (a list as a block list, the file's way). */
    appendKey(key: string, value: unknown): void {
      const dash = atKeyIndent ? '' : '  ';
      const body = Array.isArray(value)
        ? `${key}:${value.map((item) => `${eol}${dash}- ${block(item, `${dash}  `)}`).join('')}`
        : `${key}: ${scalarText(String(value))}`;
      const at = text.length;
      splices.push({ start: at, end: at, insert: `${text.length === 0 || text.endsWith('\n') ? '' : eol}${body}${eol}` });
    },
    apply(): string | undefined {
      if (unplaceable) return undefined;
      let out = text;
      // From the end backwards; insertions at one place in reverse, so that they read in the order they were made.
      const order = splices.map((splice, index) => ({ ...splice, index })).sort((a, b) => b.start - a.start || b.index - a.index);
      for (const { start, end, insert } of order) {
        out = out.slice(0, start) + insert + out.slice(end);
      }
      return out;
    },
  };
};
