import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTION_TABLE, rowsOf } from '../../src/options/table.js';
import { REPO_ROOT } from '../support/paths.js';

// The README's flag table is prose written by hand; the option table is the truth. They must name the same flags.
describe('the README and the option table', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('documents every flag of get-token', () => {
    // Each as a whole flag: `--name` then a backtick, `=` or a space (not only as the start of a longer one).
    const documented = (name: string): boolean => new RegExp(`\`--${name}[\`= ]`).test(readme);
    expect(rowsOf('get-token').filter((row) => !documented(row.name))).toEqual([]);
  });

  it('names no flag that does not exist (kube-apiserver flags in setup examples aside)', () => {
    const names = new Set<string>(OPTION_TABLE.map((row) => row.name));
    const mentioned = [...readme.matchAll(/`(--[a-z0-9-]+)/g)].map((match) => match[1]!.slice(2));
    expect([...new Set(mentioned.filter((name) => !names.has(name) && !name.startsWith('oidc-ca-')))]).toEqual([]);
  });
});
