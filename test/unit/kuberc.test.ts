import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allowInKuberc } from '../../src/kubeconfig/kuberc.js';

const PREFERENCE = 'apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n';
const US = '/usr/local/bin/kubectl-oidc';

describe("kuberc's credential plugin allowlist", () => {
  it('an Allowlist policy gets our absolute path, after what is there, every other byte kept', () => {
    const text = `${PREFERENCE}credentialPluginPolicy: Allowlist # kept\ncredentialPluginAllowlist:\n- name: gke-gcloud-auth-plugin\n`;
    const { text: out, denied } = allowInKuberc(text, US, 'kuberc');
    expect(denied).toBeUndefined();
    expect(out).toBe(`${text}- name: ${US}\n`);
  });

  it('an Allowlist policy without a list gets one', () => {
    const { text } = allowInKuberc(`${PREFERENCE}credentialPluginPolicy: Allowlist\n`, US, 'kuberc');
    expect(parse(text).credentialPluginAllowlist).toEqual([{ name: US }]);
  });

  it('an entry that names us already (by path or by name on PATH, as name or command) changes nothing', () => {
    for (const entry of [`name: ${US}`, 'name: kubectl-oidc', `command: ${US}`]) {
      const text = `${PREFERENCE}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- ${entry}\n`;
      expect(allowInKuberc(text, US, 'kuberc')).toEqual({ text });
    }
  });

  it('DenyAll is said and left as the user chose; no policy (AllowAll) needs nothing', () => {
    const deny = `${PREFERENCE}credentialPluginPolicy: DenyAll\n`;
    expect(allowInKuberc(deny, US, 'kuberc')).toEqual({
      text: deny,
      denied: `kuberc sets credentialPluginPolicy: DenyAll: kubectl ≥ 1.35 runs no credential plugin; allow ${US} there`,
    });
    expect(allowInKuberc(PREFERENCE, US, 'kuberc')).toEqual({ text: PREFERENCE });
  });
});
