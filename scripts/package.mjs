// npm run package: release archives that need nothing but `node` on PATH, their sha256 sums, a krew plugin manifest and
// a Homebrew formula, in release/.
//   RELEASE_BASE_URL   where the archives will be downloaded from (default: the GitHub release of this version)
//   --out DIR          write there instead of release/      --no-build   package dist/ as it is (tests)
//
// One archive serves Linux and macOS on every CPU (the bundle is JavaScript, the launcher POSIX sh): kubectl-oidc is
// the sh launcher (node from PATH, the Node entry beside it), kubectl-oidc-node the Node entry, dist/ the bundle (no
// node_modules: keytar is left out, so the keychain is reached over D-Bus, `security` or secret-tool). Windows installs
// with `npm install -g kubectl-oidc`: krew wants an .exe there.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = pkg.version;
const repository = pkg.homepage;
const base = process.env.RELEASE_BASE_URL || `${repository}/releases/download/v${version}`;
const argv = process.argv.slice(2);
const out = argv.includes('--out') ? resolve(argv[argv.indexOf('--out') + 1]) : join(root, 'release');
const name = `kubectl-oidc-${version}`;
const stage = join(out, name);

if (!argv.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(join(stage, 'bin'), { recursive: true });

const dist = join(root, 'dist');
const shipped = readdirSync(dist).filter((file) => !['install-launcher.cjs', 'launcher.sh.in', 'launcher-beside.sh'].includes(file));
mkdirSync(join(stage, 'dist'));
for (const file of shipped) cpSync(join(dist, file), join(stage, 'dist', file));
copyFileSync(join(dist, 'launcher-beside.sh'), join(stage, 'bin', 'kubectl-oidc'));
copyFileSync(join(root, 'bin', 'kubectl-oidc'), join(stage, 'bin', 'kubectl-oidc-node'));
copyFileSync(join(root, 'bin', 'kubectl_complete-oidc'), join(stage, 'bin', 'kubectl_complete-oidc'));
copyFileSync(join(root, 'bin', 'package.json'), join(stage, 'bin', 'package.json')); // the Node entry is CommonJS
for (const bin of ['kubectl-oidc', 'kubectl-oidc-node', 'kubectl_complete-oidc']) chmodSync(join(stage, 'bin', bin), 0o755);
for (const file of ['LICENSE', 'README.md']) copyFileSync(join(root, file), join(stage, file));
// The ESM chunks of dist/ are ES modules because of this "type"; nothing is installed from it.
const { name: pkgName, description, license, engines } = pkg;
writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify({ name: pkgName, version, description, license, type: 'module', engines, private: true }, null, 2)}\n`,
);

const archive = `${name}.tar.gz`;
// Owner and times fixed, entries sorted: the same tree gives the same archive, and so the same sum.
execFileSync('tar', [
  '--sort=name',
  '--owner=0',
  '--group=0',
  '--numeric-owner',
  '--mtime=@0',
  '-I',
  'gzip -n',
  '-cf',
  join(out, archive),
  '-C',
  out,
  name,
]);
rmSync(stage, { recursive: true });
const sha256 = createHash('sha256')
  .update(readFileSync(join(out, archive)))
  .digest('hex');
writeFileSync(join(out, 'SHA256SUMS'), `${sha256}  ${archive}\n`);

const platforms = [
  ['linux', 'amd64'],
  ['linux', 'arm64'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
];
const krew = `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: oidc
spec:
  version: v${version}
  homepage: ${repository}
  shortDescription: Log in to clusters with OpenID Connect, a kubelogin-compatible plugin
  description: |
    A kubectl credential plugin for OpenID Connect: it logs you in at your identity provider with the
    authorization-code flow and PKCE on a loopback port (or the device code, or client credentials), keeps and
    refreshes the tokens, and prints an ExecCredential for kubectl. It takes kubelogin's flags, so a kubeconfig
    migrates by changing only the command (kubectl oidc migrate does it). kubectl oidc setup shows what the cluster
    will make of your token and how to configure both sides.
  caveats: |
    kubectl-oidc runs on Node.js 20.19 or later: \`node\` must be on PATH (https://nodejs.org, or your package manager).
    Then: kubectl oidc setup --oidc-issuer-url=https://... --oidc-client-id=...
    For the shell completion of kubectl oidc, link kubectl_complete-oidc beside it (krew links one command):
      ln -s "\${KREW_ROOT:-$HOME/.krew}/store/oidc/v${version}/bin/kubectl_complete-oidc" "\${KREW_ROOT:-$HOME/.krew}/bin/"
  platforms:
${platforms
  .map(
    ([os, arch]) => `  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${base}/${archive}
    sha256: ${sha256}
    files:
    - from: ${name}/*
      to: .
    bin: bin/kubectl-oidc`,
  )
  .join('\n')}
`;
writeFileSync(join(out, 'oidc.yaml'), krew);

const formula = `class KubectlOidc < Formula
  desc "kubectl credential plugin for OpenID Connect, kubelogin-compatible"
  homepage "${repository}"
  url "${base}/${archive}"
  sha256 "${sha256}"
  license "${license}"

  depends_on "node"

  def install
    libexec.install Dir["*"]
    # The launcher runs Homebrew's node, whatever else is first on PATH.
    inreplace libexec/"bin/kubectl-oidc", /^node=node$/, "node='#{Formula["node"].opt_bin}/node'"
    bin.install_symlink libexec/"bin/kubectl-oidc", libexec/"bin/kubectl_complete-oidc"
    generate_completions_from_executable(bin/"kubectl-oidc", "completion")
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/kubectl-oidc --version")
  end
end
`;
writeFileSync(join(out, 'kubectl-oidc.rb'), formula);
process.stdout.write(
  `${join(out, archive)}  sha256 ${sha256}\n${['SHA256SUMS', 'oidc.yaml (krew)', 'kubectl-oidc.rb (Homebrew)'].map((f) => join(out, f)).join('\n')}\n`,
);
