import type { Row } from './table.js';

/**
 * A row's flag in every spelling commander and klog take, as sh case patterns: `--name` (and `--name=*` unless it is a
 * boolean), and for a short one `-s`, `-s=*` and klog's `-s2`.
 */
export const flagPatterns = (row: Row): string[] => [
  ...(row.kind === 'boolean' ? [`--${row.name}`] : [`--${row.name}`, `--${row.name}=*`]),
  ...(row.short ? [`-${row.short}`, `-${row.short}=*`, `-${row.short}[0-9]*`] : []),
];

/** Whether an argument matches one of these sh case patterns: `*` any text, `[0-9]` a digit, the rest as written. */
export const matchesAny = (globs: readonly string[]): ((arg: string) => boolean) => {
  const fromGlob = (glob: string): string =>
    glob.replace(/\[0-9\]|\*|[.+?^${}()|\\]/g, (part) => (part === '*' ? '.*' : part === '[0-9]' ? '\\d' : `\\${part}`));
  const pattern = new RegExp(`^(?:${globs.map(fromGlob).join('|')})$`);
  return (arg) => pattern.test(arg);
};
