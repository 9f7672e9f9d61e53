import { describe, expect, it } from 'vitest';
import { kubeloginArgs, lineDiff, migrateKubeconfig } from '../../src/migrate/kubeconfig.js';

const KUBECONFIG = `# my clusters
apiVersion: v1
kind: Config
users:
- name: oidc # the kubelogin one
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubectl
      args:
      - oidc-login
      - get-token
      - --oidc-issuer-url=https://idp.example
      - --oidc-client-id=kubernetes
      - --oidc-use-pkce
      interactiveMode: IfAvailable
- name: standalone
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /usr/local/bin/kubectl-oidc_login
      args: [get-token, --oidc-issuer-url=https://other.example, --oidc-client-id=k8s]
      env:
      - name: HTTPS_PROXY
        value: http://proxy:3128
- name: certificate
  user:
    client-certificate-data: Zm9v
- name: aws
  user:
    exec:
      command: aws
      args: [eks, get-token]
`;

describe('migrate: the kubeconfig', () => {
  it('rewrites every kubelogin user and leaves every other byte as it was', () => {
    const { text, users } = migrateKubeconfig(KUBECONFIG, 'kubectl-oidc', 'config');
    expect(users.map((u) => [u.name, u.was, u.getTokenArgs])).toEqual([
      ['oidc', 'kubectl oidc-login get-token', ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubernetes', '--oidc-use-pkce']],
      ['standalone', '/usr/local/bin/kubectl-oidc_login get-token', ['--oidc-issuer-url=https://other.example', '--oidc-client-id=k8s']],
    ]);
    const diff = lineDiff(KUBECONFIG, text).split('\n');
    expect(diff).toEqual([
      '-       command: kubectl',
      '+       command: kubectl-oidc',
      '-       - oidc-login',
      '-       - --oidc-use-pkce',
      '+       - --oidc-pkce-method=S256', // a deprecated name translated
      '-       command: /usr/local/bin/kubectl-oidc_login',
      '+       command: kubectl-oidc',
    ]);
    for (const kept of [
      '# my clusters',
      '- name: oidc # the kubelogin one',
      'interactiveMode: IfAvailable',
      'value: http://proxy:3128',
      'command: aws',
    ]) {
      expect(text).toContain(kept);
    }
    expect(text).toContain('command: kubectl-oidc\n');
    expect(migrateKubeconfig(text, 'kubectl-oidc', 'config').users, 'a second run finds nothing').toEqual([]);
  });

  it('moves a client secret from the arguments to the exec env, and keeps what needs commander as it was', () => {
    const input = [
      'users:',
      '- name: a',
      '  user:',
      '    exec:',
      '      command: kubelogin',
      '      args: [get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, --oidc-client-secret=s3cret]',
      '- name: b',
      '  user:',
      '    exec:',
      '      command: kubelogin',
      '      args: [get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, -v1]',
      '',
    ].join('\n');
    const { text } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    expect(text).toContain('args: [get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k]\n');
    expect(text).toContain('env:\n      - name: KUBECTL_OIDC_CLIENT_SECRET\n        value: s3cret');
    expect(text).toContain('args: [get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, -v1]');
  });

  it('knows kubelogin by the command and the first arguments, wherever it is installed', () => {
    expect(kubeloginArgs('kubelogin', ['get-token', '--x'])).toEqual(['--x']);
    expect(kubeloginArgs('C:\\\\tools\\\\kubelogin.exe', ['get-token'])).toEqual([]);
    expect(kubeloginArgs('/opt/bin/kubectl', ['oidc-login', 'get-token', '--x'])).toEqual(['--x']);
    expect(kubeloginArgs('kubectl', ['oidc-login', 'setup'])).toBeUndefined();
    expect(kubeloginArgs('kubectl-oidc', ['get-token'])).toBeUndefined();
  });

  it('says in one line when the file is not YAML', () => {
    expect(() => migrateKubeconfig('users: [\n', 'kubectl-oidc', '/home/me/.kube/config')).toThrow(
      /^\/home\/me\/.kube\/config is not YAML: /,
    );
  });
});
