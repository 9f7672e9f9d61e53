import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { unifiedDiff } from '../../src/kubeconfig/diff.js';
import { type NamedEntry, writeEntries } from '../../src/kubeconfig/entries.js';

const HAND_WRITTEN = readFileSync(join(import.meta.dirname, '../fixtures/hand-written-kubeconfig.yaml'), 'utf8');

const entries = (args: string[] = ['get-token', '--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl']): NamedEntry[] => [
  { list: 'clusters', item: { name: 'dev', cluster: { server: 'https://dev.example:6443', 'certificate-authority-data': 'Q0E=' } } },
  {
    list: 'users',
    item: {
      name: 'dev',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: '/usr/local/bin/kubectl-oidc',
          args,
          interactiveMode: 'IfAvailable',
        },
      },
    },
  },
  { list: 'contexts', item: { name: 'dev', context: { cluster: 'dev', user: 'dev' } } },
];

const changedLines = (before: string, after: string): string[] =>
  unifiedDiff(before, after, 'a', 'b')
    .split('\n')
    .filter((line) => /^[-+](?![-+]{2} )/.test(line));

describe('writing kubeconfig entries', () => {
  it('adds a cluster, a user and a context to a hand-written kubeconfig: only added lines in the diff, kubectl can read it', () => {
    const { text, changes } = writeEntries(HAND_WRITTEN, entries(), undefined, 'config');
    expect(changes).toEqual(['added cluster dev', 'added user dev', 'added context dev']);
    const changed = changedLines(HAND_WRITTEN, text);
    expect(changed.length).toBeGreaterThan(10);
    expect(changed.filter((line) => line.startsWith('-'))).toEqual([]);
    const config = parse(text);
    expect(config.users.map((u: { name: string }) => u.name)).toEqual(['legacy-admin', 'dev']);
    expect(config.users[1]).toEqual(entries()[1]!.item);
    expect(config.contexts[1]).toEqual({ name: 'dev', context: { cluster: 'dev', user: 'dev' } });
    expect(text).toContain('  - --oidc-client-id=kubectl'); // kubectl's layout: lists at their key's indent
  });

  it('is idempotent: the same entries again change nothing', () => {
    const once = writeEntries(HAND_WRITTEN, entries(), 'dev', 'config').text;
    expect(writeEntries(once, entries(), 'dev', 'config')).toEqual({ text: once, changes: [] });
  });

  it('replaces an entry of the same name in place, and switches the current context', () => {
    const once = writeEntries(HAND_WRITTEN, entries(), undefined, 'config').text;
    const { text, changes } = writeEntries(
      once,
      entries(['get-token', '--oidc-issuer-url=https://idp.example', '--oidc-client-id=other']),
      'dev',
      'config',
    );
    expect(changes).toEqual(['updated user dev', 'current context dev']);
    expect(changedLines(once, text)).toEqual([
      '-current-context: legacy',
      '+current-context: dev',
      '-      - --oidc-client-id=kubectl',
      '+      - --oidc-client-id=other',
    ]);
  });

  it('keeps a file that indents its lists, and CRLF line ends, as they are', () => {
    const indented = HAND_WRITTEN.replace(/^- /gm, '  - ')
      .replace(/^ {2}(cluster|context|user):/gm, '    $1:')
      .replace(/^ {4}(server|token)/gm, '      $1')
      .replace(/\n/g, '\r\n');
    const { text } = writeEntries(indented, entries(), undefined, 'config');
    expect(changedLines(indented, text).filter((line) => line.startsWith('-'))).toEqual([]);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(text).toContain('\r\n  - name: dev\r\n    user:\r\n');
    expect(parse(text).users[1]).toEqual(entries()[1]!.item);
  });

  it('makes a new kubeconfig from nothing, and writes anew a layout it cannot splice into', () => {
    const created = parse(writeEntries('', entries(), 'dev', 'config').text);
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'dev' });
    expect(created.clusters).toHaveLength(1);
    const flow = writeEntries('apiVersion: v1\nkind: Config\nusers: []\nclusters: []\ncontexts: []\n', entries(), undefined, 'config');
    expect(parse(flow.text).users).toEqual([entries()[1]!.item]);
    expect(() => writeEntries('- a list', entries(), undefined, 'config')).toThrow(/not a kubeconfig/);
  });

  it('an entry whose anchor other entries use: they get their own copy before it is replaced, and the file still parses', () => {
    const anchored = [
      'apiVersion: v1',
      'kind: Config',
      'contexts:',
      '- name: dev',
      '  context: &ctx',
      '    cluster: shared',
      '    user: shared',
      '- name: staging',
      '  context: *ctx',
      '- name: prod',
      '  context:',
      '    <<: *ctx',
      '    namespace: prod',
      'users: []',
      '',
    ].join('\n');
    const { text } = writeEntries(
      anchored,
      [{ list: 'contexts', item: { name: 'dev', context: { cluster: 'dev', user: 'dev' } } }],
      undefined,
      'config',
    );
    expect(parse(text, { merge: true }).contexts).toEqual([
      { name: 'dev', context: { cluster: 'dev', user: 'dev' } },
      { name: 'staging', context: { cluster: 'shared', user: 'shared' } },
      { name: 'prod', context: { cluster: 'shared', user: 'shared', namespace: 'prod' } },
    ]);
    expect(text).not.toContain('*ctx');
    // Only the replaced entry and the aliases changed.
    expect(text.split('\n').slice(0, 3)).toEqual(['apiVersion: v1', 'kind: Config', 'contexts:']);
  });

  it('names a YAML 1.1 reader (kubectl) would take for a bool, null or number are quoted, in splices and in new files', () => {
    const names = ['yes', 'on', 'n', 'Y', 'off', '~', 'null', '1_000', '0b101', '0x1F', '0o17', '1:20', '12', '1e3', 'dev'];
    const written = (text: string) =>
      writeEntries(
        text,
        names.map((name) => ({ list: 'contexts' as const, item: { name, context: { cluster: name, user: name } } })),
        'on',
        'config',
      ).text;
    for (const text of [written(HAND_WRITTEN), written('')]) {
      const yaml11 = parse(text, { version: '1.1' });
      const contexts = (yaml11.contexts as { name: unknown; context: { cluster: unknown } }[]).slice(-names.length);
      expect(contexts.map((c) => c.name)).toEqual(names);
      expect(contexts.map((c) => c.context.cluster)).toEqual(names);
      expect(yaml11['current-context']).toBe('on');
      expect(text).toContain('name: dev'); // what needs no quotes is written plain
    }
  });
});
