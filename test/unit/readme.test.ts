import { readdirSync, readFileSync } from 'node:fs';
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

  it('installs with what works today first; the registry and the release page only after publishing', () => {
    const install = readme.slice(readme.indexOf('## Install\n'), readme.indexOf('\n## ', readme.indexOf('## Install\n') + 1));
    const firstBlock = install.slice(install.indexOf('```sh\n'), install.indexOf('```\n', install.indexOf('```sh\n') + 6));
    expect(firstBlock).toContain('npm pack && npm install -g ./kubectl-oidc-');
    const published = install.indexOf('**After publishing**');
    expect(published).toBeGreaterThan(0);
    for (const registry of ['npm install -g kubectl-oidc\n', 'kubectl krew install oidc\n', 'releases/download/']) {
      expect(install.indexOf(registry), registry).toBeGreaterThan(published);
    }
  });

  it('names the defaults that differ from kubelogin (its storage is disk)', () => {
    const section = readme.slice(readme.indexOf('### Defaults that differ from kubelogin'));
    expect(section).toMatch(/\| `--token-cache-storage` \| `keyring`[^\n]*\| `disk` \|/);
    expect(section).toMatch(/\| `--token-cache-dir` \| `~\/\.kube\/cache\/kubectl-oidc`[^\n]*\| `~\/\.kube\/cache\/oidc-login` \|/);
    expect(readme).not.toMatch(/the same flags, the same defaults/);
  });
});

describe('the documentation reads on any screen', () => {
  it('has no table cell over 200 characters', () => {
    const files = [
      'README.md',
      ...readdirSync(join(REPO_ROOT, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ];
    const long = files.flatMap((file) =>
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          line.startsWith('|')
            ? line
                .split('|')
                .filter((cell) => cell.length > 200)
                .map(() => `${file}:${index + 1}`)
            : [],
        ),
    );
    expect(long).toEqual([]);
  });
});
