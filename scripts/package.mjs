// npm run package: the release in release/ — for each platform of scripts/targets.mjs an archive with the compiled
// executable (no runtime needed), SHA256SUMS, and the manifests of krew, Homebrew, winget and scoop.
//   RELEASE_BASE_URL   where the archives will be downloaded from (default: the GitHub release of this version)
//   --out DIR          write there instead of release/
//   --no-build         take dist/ as it is (the test suite, whose other files are running it)
//   --fast             store, do not compress (gzip and zip level 0: valid archives, unpacked as any): the test suite
//                      checks what is in the archives, not their size; a release compresses hard (-9)
//
// Every archive: kubectl-oidc is the launcher, which answers a fresh cached credential from its hit file and hands
// anything else to kubectl-oidc-bin, the compiled program beside it. On Linux and Windows (zip: .exe) the launcher is
// native (src/launcher/native.c, about a millisecond); on macOS, where nothing here compiles C for it, the sh launcher
// (a few milliseconds). kubectl_complete-oidc (.cmd on Windows) is kubectl's completion hook.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { zipSync } from 'fflate';
import { hasNativeLauncher } from './native-launcher.mjs';
import { executablePath, launcherPath, ROOT, TARGETS, targetName } from './targets.mjs';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const { version, homepage, license, description } = pkg;
const base = process.env.RELEASE_BASE_URL || `${homepage}/releases/download/v${version}`;
const argv = process.argv.slice(2);
const out = argv.includes('--out') ? resolve(argv[argv.indexOf('--out') + 1]) : join(ROOT, 'release');
const level = argv.includes('--fast') ? 0 : 9;

if (!argv.includes('--no-build')) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
execFileSync(join(ROOT, 'node_modules', '.bin', 'bun'), [join(ROOT, 'scripts', 'compile.mjs')], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** The archive of a target: tar.gz for Linux and macOS, zip for Windows (what krew, winget and scoop expect there). */
const archiveName = (target) => `kubectl-oidc_${version}_${target.os}_${target.arch}.${target.os === 'windows' ? 'zip' : 'tar.gz'}`;

const completeCmd = '@"%~dp0kubectl-oidc.exe" __complete %*\r\n';

const tarGz = async (target, archive) => {
  const stage = join(out, `stage-${targetName(target)}`);
  mkdirSync(stage);
  copyFileSync(
    hasNativeLauncher(target) ? launcherPath(target) : join(ROOT, 'dist', 'launcher-executable.sh'),
    join(stage, 'kubectl-oidc'),
  );
  copyFileSync(executablePath(target), join(stage, 'kubectl-oidc-bin'));
  copyFileSync(join(ROOT, 'dist', 'complete-executable.sh'), join(stage, 'kubectl_complete-oidc'));
  for (const file of ['kubectl-oidc', 'kubectl-oidc-bin', 'kubectl_complete-oidc']) chmodSync(join(stage, file), 0o755);
  for (const file of ['LICENSE', 'README.md']) copyFileSync(join(ROOT, file), join(stage, file));
  // Owner, times and order fixed: the same tree gives the same archive, and so the same sum.
  const entries = ['LICENSE', 'README.md', 'kubectl-oidc', 'kubectl-oidc-bin', 'kubectl_complete-oidc'];
  const flags = ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0'];
  if (level > 0)
    await promisify(execFile)('tar', [...flags, '-I', `gzip -${level} -n`, '-cf', join(out, archive), '-C', stage, ...entries]);
  else {
    // gzip has no level 0: zlib's, whose header has no name and no time, as gzip -n. Chunks of 1 MiB: with zlib's
    // 16 KiB ones the stream's own work is twice that of storing ~117 MB.
    const tar = spawn('tar', [...flags, '-cf', '-', '-C', stage, ...entries], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve, reject) =>
      tar.once('error', reject).once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`)))),
    );
    await pipeline(tar.stdout, createGzip({ level: 0, chunkSize: 1 << 20 }), createWriteStream(join(out, archive)));
    await exited;
  }
  rmSync(stage, { recursive: true });
};

const zip = (target, archive) => {
  // zip's earliest time, in local time as zip keeps it: the same tree gives the same sum in any time zone.
  const mtime = new Date(1980, 0, 1);
  const file = (data) => [data, { mtime }];
  const entries = {
    'kubectl-oidc.exe': file(readFileSync(launcherPath(target))),
    'kubectl-oidc-bin.exe': file(readFileSync(executablePath(target))),
    'kubectl_complete-oidc.cmd': file(Buffer.from(completeCmd)),
    LICENSE: file(readFileSync(join(ROOT, 'LICENSE'))),
    'README.md': file(readFileSync(join(ROOT, 'README.md'))),
  };
  writeFileSync(join(out, archive), zipSync(entries, { level }));
};

const releases = TARGETS.map((target) => ({ target, archive: archiveName(target) }));
await Promise.all(releases.map(({ target, archive }) => (target.os === 'windows' ? zip(target, archive) : tarGz(target, archive))));
for (const release of releases) {
  const bytes = readFileSync(join(out, release.archive));
  release.sha256 = createHash('sha256').update(bytes).digest('hex');
  release.size = bytes.length;
  release.url = `${base}/${release.archive}`;
}
writeFileSync(join(out, 'SHA256SUMS'), releases.map((r) => `${r.sha256}  ${r.archive}\n`).join(''));
const of = (os, arch) => releases.find((r) => r.target.os === os && r.target.arch === arch);

const krew = `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: oidc
spec:
  version: v${version}
  homepage: ${homepage}
  shortDescription: Log in to clusters with OpenID Connect, a kubelogin-compatible plugin
  description: |
    A kubectl credential plugin for OpenID Connect: it logs you in at your identity provider with the
    authorization-code flow and PKCE on a loopback port (or the device code, or client credentials), keeps and
    refreshes the tokens in the OS keychain, and prints an ExecCredential for kubectl. It takes kubelogin's flags, so
    a kubeconfig migrates by changing only the command (kubectl oidc migrate does it). kubectl oidc setup shows what
    the cluster will make of your token and how to configure both sides. One executable, no runtime needed.
  caveats: |
    For the shell completion of kubectl oidc, link kubectl_complete-oidc beside it (krew links one command):
      ln -s "\${KREW_ROOT:-$HOME/.krew}/store/oidc/v${version}/kubectl_complete-oidc" "\${KREW_ROOT:-$HOME/.krew}/bin/"
  platforms:
${releases
  .map(
    ({ target, url, sha256 }) => `  - selector:
      matchLabels:
        os: ${target.os}
        arch: ${target.arch}
    uri: ${url}
    sha256: ${sha256}
    files:
    - from: "*"
      to: .
    bin: ${target.os === 'windows' ? 'kubectl-oidc.exe' : 'kubectl-oidc'}`,
  )
  .join('\n')}
`;
writeFileSync(join(out, 'oidc.yaml'), krew);

const brewOn = (os, arch) => `      url "${of(os, arch).url}"
      sha256 "${of(os, arch).sha256}"`;
const formula = `class KubectlOidc < Formula
  desc "kubectl credential plugin for OpenID Connect, kubelogin-compatible"
  homepage "${homepage}"
  version "${version}"
  license "${license}"

  on_macos do
    on_arm do
${brewOn('darwin', 'arm64')}
    end
    on_intel do
${brewOn('darwin', 'amd64')}
    end
  end
  on_linux do
    on_arm do
${brewOn('linux', 'arm64')}
    end
    on_intel do
${brewOn('linux', 'amd64')}
    end
  end

  def install
    # The launcher finds kubectl-oidc-bin beside it through the links in bin.
    libexec.install "kubectl-oidc", "kubectl-oidc-bin", "kubectl_complete-oidc"
    bin.install_symlink libexec/"kubectl-oidc", libexec/"kubectl_complete-oidc"
    generate_completions_from_executable(bin/"kubectl-oidc", "completion")
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/kubectl-oidc --version")
  end
end
`;
writeFileSync(join(out, 'kubectl-oidc.rb'), formula);

// winget: the three manifests of a portable app in a zip (winget-pkgs: manifests/k/KubectlOidc/KubectlOidc/<version>/).
const windows = of('windows', 'amd64');
const wingetId = 'KubectlOidc.KubectlOidc';
const wingetDir = join(out, 'winget', 'manifests', 'k', 'KubectlOidc', 'KubectlOidc', version);
mkdirSync(wingetDir, { recursive: true });
/** One winget manifest: its schema line, what every manifest starts and ends with, and its own fields between. */
const winget = (file, type, fields) =>
  writeFileSync(
    join(wingetDir, `${wingetId}${file}.yaml`),
    `# yaml-language-server: $schema=https://aka.ms/winget-manifest.${type}.1.6.0.schema.json
PackageIdentifier: ${wingetId}
PackageVersion: ${version}
${fields}ManifestType: ${type}
ManifestVersion: 1.6.0
`,
  );
winget('', 'version', 'DefaultLocale: en-US\n');
winget(
  '.installer',
  'installer',
  `InstallerType: zip
NestedInstallerType: portable
NestedInstallerFiles:
- RelativeFilePath: kubectl-oidc.exe
  PortableCommandAlias: kubectl-oidc
Commands:
- kubectl-oidc
Installers:
- Architecture: x64
  InstallerUrl: ${windows.url}
  InstallerSha256: ${windows.sha256.toUpperCase()}
`,
);
winget(
  '.locale.en-US',
  'defaultLocale',
  `PackageLocale: en-US
Publisher: kubectl-oidc
PackageName: kubectl-oidc
PackageUrl: ${homepage}
License: ${license}
ShortDescription: ${description}
Tags:
- kubectl
- kubernetes
- oidc
`,
);

const scoop = {
  version,
  description,
  homepage,
  license,
  architecture: { '64bit': { url: windows.url, hash: windows.sha256 } },
  bin: ['kubectl-oidc.exe', 'kubectl_complete-oidc.cmd'],
  checkver: 'github',
  autoupdate: { architecture: { '64bit': { url: `${homepage}/releases/download/v$version/kubectl-oidc_$version_windows_amd64.zip` } } },
};
writeFileSync(join(out, 'kubectl-oidc.json'), `${JSON.stringify(scoop, null, 2)}\n`);

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
process.stdout.write(
  `${releases.map((r) => `${join(out, r.archive)}  ${mb(r.size)}  sha256 ${r.sha256}`).join('\n')}\n` +
    `${['SHA256SUMS', 'oidc.yaml (krew)', 'kubectl-oidc.rb (Homebrew)', 'winget/ (winget)', 'kubectl-oidc.json (scoop)'].map((f) => join(out, f)).join('\n')}\n`,
);
