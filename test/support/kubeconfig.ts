import { writeFileSync } from 'node:fs';

export interface KubeconfigSettings {
  path: string;
  server: string;
  caPem: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  apiVersion?: 'client.authentication.k8s.io/v1' | 'client.authentication.k8s.io/v1beta1';
}

/** A kubeconfig whose user runs an exec credential plugin (JSON is valid YAML, so no YAML library is needed). */
export const writeKubeconfig = (settings: KubeconfigSettings): void => {
  const apiVersion = settings.apiVersion ?? 'client.authentication.k8s.io/v1';
  const exec: Record<string, unknown> = {
    apiVersion,
    command: settings.command,
    args: settings.args,
    env: Object.entries(settings.env ?? {}).map(([name, value]) => ({ name, value })),
  };
  if (apiVersion.endsWith('/v1')) exec.interactiveMode = 'IfAvailable';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'test',
        cluster: { server: settings.server, 'certificate-authority-data': Buffer.from(settings.caPem).toString('base64') },
      },
    ],
    users: [{ name: 'oidc', user: { exec } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'oidc' } }],
    'current-context': 'test',
  };
  writeFileSync(settings.path, JSON.stringify(config, null, 2), { mode: 0o600 });
};
