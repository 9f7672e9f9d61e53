import { type Command, Help, type Option } from 'commander';
import type { Section } from '../options/table.js';

/** The headings of help, in the order listed (a command's own options come first, under "Options:"). */
export const SECTION_HEADINGS: Record<Section, string> = {
  provider: 'Provider:',
  login: 'Login:',
  cache: 'Token cache:',
  network: 'Network and TLS:',
  'token-exchange': 'Token exchange (RFC 8693):',
  output: 'Output:',
  apiserver: 'kube-apiserver (what setup judges the token by):',
  setup: 'Setup:',
  kubelogin: "kubelogin's flags, accepted:",
};
export const SECTION_ORDER = Object.keys(SECTION_HEADINGS) as Section[];

/** The width help is wrapped at: the terminal's, else $COLUMNS, else 80. */
export const helpWidth = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): number =>
  (stream.isTTY && stream.columns) || Number.parseInt(env.COLUMNS ?? '', 10) || 80;

const INDENT = 2;
const DESCRIPTION_INDENT = 6;
/** Narrower than this beside the flags, a description goes under its flag instead. */
const MIN_DESCRIPTION_WIDTH = 40;

const isEmpty = (value: unknown): boolean =>
  (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);

/**
 * commander's help, with required flags marked, no empty defaults ([] and {}), and every line within the width: beside
 * the flags where the descriptions have room, else under each flag, as kubectl's own help does.
 */
export const helpConfiguration: Partial<Help> = {
  // "Options:" (the command's own, and --help) first in every command, then the table's sections in order.
  groupItems<T extends Command | Option>(unsorted: T[], visible: T[], getGroup: (item: T) => string): Map<string, T[]> {
    const groups = Help.prototype.groupItems.call(this, unsorted, visible, getGroup as (item: Command | Option) => string) as Map<
      string,
      T[]
    >;
    const own = groups.get('Options:');
    if (!own) return groups;
    groups.delete('Options:');
    return new Map([['Options:', own], ...groups]);
  },
  optionDescription(option: Option): string {
    const extra: string[] = [];
    if (option.mandatory) extra.push('required');
    if (option.argChoices) extra.push(`one of ${option.argChoices.join(', ')}`);
    if (option.defaultValue !== undefined && option.required && !isEmpty(option.defaultValue)) {
      extra.push(`default: ${option.defaultValueDescription ?? JSON.stringify(option.defaultValue)}`);
    }
    if (option.envVar) extra.push(`env: ${option.envVar}`);
    return extra.length > 0 ? `${option.description} (${extra.join(', ')})` : option.description;
  },
  formatItem(term: string, termWidth: number, description: string, helper: Help): string {
    const width = helper.helpWidth ?? 80;
    if (!description || width - termWidth - INDENT - 2 >= MIN_DESCRIPTION_WIDTH) {
      return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
    }
    const lines = helper.boxWrap(description, width - DESCRIPTION_INDENT).split('\n');
    return [`${' '.repeat(INDENT)}${term}`, ...lines.map((line) => `${' '.repeat(DESCRIPTION_INDENT)}${line}`)].join('\n');
  },
};
