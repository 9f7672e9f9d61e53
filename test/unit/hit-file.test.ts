import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hitDirs, hitLine } from '../../src/hit/node-hit.js';
import { restoreHit } from '../../src/hit/publish-hit.js';
import { argsSignature, envSignature, HIT_ENVIRONMENT, HIT_FORMAT, hitDirsToClear, SEPARATOR } from '../../src/hit/signature.js';
import { fastParseGetToken } from '../../src/options/parse.js';
import { defaultCacheDir } from '../../src/options/table.js';
import type { SessionStore, TokenSet } from '../../src/session/tokens.js';
import { recordingLogger } from '../support/ambient.js';

const fields = (signature: string | undefined): string[] | undefined => signature?.split(SEPARATOR);

describe('where hits are looked for', () => {
  it('where the sessions are: without HOME (or with an empty one), the account home, as the sessions are written', () => {
    for (const env of [{}, { HOME: '' }]) {
      const written = defaultCacheDir(env);
      expect(written).toBe(join(homedir(), '.kube', 'cache', 'kubectl-oidc'));
      expect(hitDirs(['get-token'], env)).toEqual([written]);
    }
    expect(hitDirs(['get-token'], { HOME: '/h', XDG_RUNTIME_DIR: '/run/user/1' })).toEqual([
      '/h/.kube/cache/kubectl-oidc',
      '/run/user/1/kubectl-oidc',
    ]);
    expect(hitDirs(['get-token', '--token-cache-dir', '/c'], { KUBECACHEDIR: '/k' })).toEqual(['/c']);
    expect(hitDirs(['get-token'], { KUBECACHEDIR: '/k', HOME: '/h' })).toEqual(['/k/kubectl-oidc']);
  });
});

describe('hit signatures', () => {
  it('record the arguments of a plain run, secret values blanked inline and as the next argument', () => {
    expect(
      fields(argsSignature(['get-token', '--oidc-client-secret=s3cret', '-v', '--password', 'hunter2', '--username=u', '--force-refresh'])),
    ).toEqual(['get-token', '--oidc-client-secret=', '--password', '', '--username=u']);
    expect(fields(argsSignature(['get-token', '--password', 'hunter2', '--oidc-client-id=c']))).toEqual([
      'get-token',
      '--password',
      '',
      '--oidc-client-id=c',
    ]);
    // A token to exchange names whom the session is for: no hit stands for it, whatever its value.
    expect(argsSignature(['get-token', '--token-exchange-subject-token', 'eyJ.x.y', '--oidc-client-id=c'])).toBeUndefined();
    expect(argsSignature(['get-token', '--token-exchange-subject-token-file=/t', '--oidc-client-id=c'])).toBeUndefined();
    expect(argsSignature(['get-token', '--username=a\nb'])).toBeUndefined();
  });

  it('record each variable set (with its value, none for a secret) or unset, in one order', () => {
    const signature = fields(envSignature({ KUBECTL_OIDC_PASSWORD: 'hunter2', KUBECTL_OIDC_USERNAME: 'u', HOME: '/h' }))!;
    expect(signature).toHaveLength(HIT_ENVIRONMENT.length);
    expect(signature[HIT_ENVIRONMENT.indexOf('KUBECTL_OIDC_PASSWORD')]).toBe('s');
    expect(signature[HIT_ENVIRONMENT.indexOf('KUBECTL_OIDC_CLIENT_SECRET')]).toBe('u');
    expect(signature[HIT_ENVIRONMENT.indexOf('KUBECTL_OIDC_USERNAME')]).toBe('su');
    expect(signature[HIT_ENVIRONMENT.indexOf('HOME')]).toBe('s/h');
    expect(signature.join('')).not.toContain('hunter2');
  });
});

describe('reading a hit file', () => {
  const signatures = { args: 'get-token\x1f--oidc-client-id=c', env: 'u\x1fs/h' };
  const file = (until: number, lines = [HIT_FORMAT, String(until), signatures.args, signatures.env, '{"v1":1}', '{"v1beta1":1}']): string =>
    `${lines.join('\n')}\n`;

  it('gives the line for the apiVersion asked, until the second it stops being fresh', () => {
    expect(hitLine(file(1000), signatures, 'v1', 999.9)).toBe('{"v1":1}\n');
    expect(hitLine(file(1000), signatures, 'v1beta1', 999)).toBe('{"v1beta1":1}\n');
    expect(hitLine(file(1000), signatures, 'v1', 1000)).toBeUndefined();
  });

  it('never for other arguments or environment, another format, or a partial or garbled file', () => {
    expect(hitLine(file(1000), { ...signatures, args: 'get-token' }, 'v1', 1)).toBeUndefined();
    expect(hitLine(file(1000), { ...signatures, env: 'u\x1fs/other' }, 'v1', 1)).toBeUndefined();
    expect(hitLine(file(1000).replace(HIT_FORMAT, 'kubectl-oidc-hit 1'), signatures, 'v1', 1)).toBeUndefined();
    const whole = file(1000);
    for (let cut = 0; cut < whole.length; cut++) expect(hitLine(whole.slice(0, cut), signatures, 'v1', 1)).toBeUndefined();
    expect(hitLine(file(1000).replace('1000', '1e9'), signatures, 'v1', 1)).toBeUndefined();
    expect(hitLine(`${file(1000)}extra\n`, signatures, 'v1', 1)).toBeUndefined();
  });
});

describe('restoring a missing hit file from a hit', () => {
  const jwt = (sub: string): string =>
    `e30.${Buffer.from(JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url')}.sig`;
  const store = (loads: (TokenSet | undefined)[]): SessionStore => ({
    name: 'disk',
    persistent: true,
    load: async () => loads.shift(),
    save: async () => undefined,
    remove: async () => true,
  });

  it('keeps it while the store still holds that credential, removes it when a logout or refresh changed the session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-unit-'));
    try {
      const args = [
        '--oidc-issuer-url=https://idp.example',
        '--oidc-client-id=c',
        `--token-cache-dir=${dir}`,
        '--token-cache-storage=disk',
      ];
      const options = fastParseGetToken(args, {})!;
      const run = { args: ['get-token', ...args], env: {} };
      const token = { token: jwt('alice'), expiresAt: Math.floor(Date.now() / 1000) + 3600 };
      const file = join(dir, 'k.hit');
      await restoreHit(options, store([{ idToken: token.token }]), 'k', token, run, recordingLogger());
      expect(existsSync(file)).toBe(true);
      rmSync(file);
      await restoreHit(options, store([undefined]), 'k', token, run, recordingLogger()); // logged out meanwhile
      expect(existsSync(file)).toBe(false);
      await restoreHit(options, store([{ idToken: jwt('alice, refreshed') }]), 'k', token, run, recordingLogger()); // refreshed meanwhile
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logout', () => {
  it('clears the hit file in the cache directory, the tmpfs this run names, and the tmpfs where a kubectl run would have it', () => {
    expect(hitDirsToClear('/c', { XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toEqual(['/c', '/run/user/1000/kubectl-oidc']);
    expect(hitDirsToClear('/c', {}, 1000)).toEqual(['/c', '/run/user/1000/kubectl-oidc']);
    expect(hitDirsToClear('/c', { XDG_RUNTIME_DIR: '/tmp/xdg' }, 0)).toEqual(['/c', '/tmp/xdg/kubectl-oidc', '/run/user/0/kubectl-oidc']);
  });
});
