import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { executableFormat, validlySigned } from '../../scripts/executable-format.mjs';
import { keyringModuleOf, TARGETS } from '../../scripts/targets.mjs';
import { TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { writeKubeconfig } from '../support/kubeconfig.js';
import { REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { parseWhoAmI, useStack } from './harness.js';
import { e2eEnabled, KUBECTL } from './requirements.js';

const enabled = e2eEnabled();
const VERSION = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
const BASE = 'https://releases.example/v1';

interface KrewPlatform {
  selector: { matchLabels: { os: string; arch: string } };
  uri: string;
  sha256: string;
  files: { from: string; to: string }[];
  bin: string;
}

/** Unpacks a release archive as krew does (tar.gz or zip) into `dir`. */
const unpack = async (archive: string, dir: string): Promise<void> => {
  mkdirSync(dir, { recursive: true });
  if (archive.endsWith('.tar.gz')) {
    const untar = await run('tar', ['-xzf', archive, '-C', dir]);
    expect(untar.code, untar.stderr).toBe(0);
    return;
  }
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(archive)))) writeFileSync(join(dir, name), bytes);
};

/** krew's `files`: each `from` (a path, or `*` for everything) copied into the plugin's directory under `to`. */
const installFiles = (unpacked: string, store: string, files: KrewPlatform['files']): void => {
  for (const { from, to } of files) {
    const names = from === '*' ? readdirSync(unpacked) : [from];
    for (const name of names) cpSync(join(unpacked, name), join(store, to, basename(name)), { recursive: true });
  }
};

describe.skipIf(!enabled)('npm run package', () => {
  const stack = useStack();
  const work = mkdtempSync(join(tmpdir(), 'kubectl-oidc-package-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('five archives with an executable each, their sums, and krew, Homebrew, winget and scoop manifests; each installs as krew does', async () => {
    const out = join(work, 'release');
    const packaged = await run(process.execPath, [join(REPO_ROOT, 'scripts/package.mjs'), '--no-build', '--fast', '--out', out], {
      env: { ...process.env, RELEASE_BASE_URL: BASE },
    });
    expect(packaged.code, packaged.stderr).toBe(0);
    process.stdout.write(`release archives:\n${packaged.stdout}`);

    const sums = new Map(
      readFileSync(join(out, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/).reverse() as [string, string]),
    );
    expect([...sums.keys()].sort()).toEqual(
      TARGETS.map((t) => `kubectl-oidc_${VERSION}_${t.os}_${t.arch}.${t.os === 'windows' ? 'zip' : 'tar.gz'}`).sort(),
    );
    for (const [archive, sum] of sums)
      expect(
        createHash('sha256')
          .update(readFileSync(join(out, archive)))
          .digest('hex'),
        archive,
      ).toBe(sum);

    const manifest = parse(readFileSync(join(out, 'oidc.yaml'), 'utf8'));
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'oidc' },
    });
    expect(manifest.spec.version).toBe(`v${VERSION}`);
    // The caveats ask for nothing but the completion link: no runtime to install.
    expect(manifest.spec.caveats).not.toMatch(/node|runtime/i);
    expect(manifest.spec.caveats).toContain('kubectl_complete-oidc');
    const platforms = manifest.spec.platforms as KrewPlatform[];
    expect(platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`).sort()).toEqual(
      TARGETS.map((t) => `${t.os}/${t.arch}`).sort(),
    );

    for (const target of TARGETS) {
      const label = `${target.os}/${target.arch}`;
      const platform = platforms.find((p) => p.selector.matchLabels.os === target.os && p.selector.matchLabels.arch === target.arch)!;
      const archive = basename(platform.uri);
      expect(platform.uri, label).toBe(`${BASE}/${archive}`);
      expect(platform.sha256, label).toBe(sums.get(archive));
      expect(platform.bin, label).toBe(target.os === 'windows' ? 'kubectl-oidc.exe' : 'kubectl-oidc');

      // As `kubectl krew install --manifest=oidc.yaml --archive=…` does: unpack, copy what `files` names into the
      // plugin's directory, and find `bin` there.
      const unpacked = join(work, 'unpacked', target.os, target.arch);
      await unpack(join(out, archive), unpacked);
      const store = join(work, 'krew', target.os, target.arch, 'store', 'oidc', manifest.spec.version);
      mkdirSync(store, { recursive: true });
      installFiles(unpacked, store, platform.files);
      if (target.os !== 'windows') expect(statSync(join(store, platform.bin)).mode & 0o111, label).not.toBe(0);

      // The executable: the platform's format and CPU, the platform's keychain module inside, this version for this
      // platform, and on macOS a code signature that matches every page.
      const executable = readFileSync(join(store, target.os === 'windows' ? 'kubectl-oidc-bin.exe' : 'kubectl-oidc-bin'));
      const format = executableFormat(executable);
      expect({ format: format.format, machine: format.machine }, label).toEqual({ format: target.format, machine: target.machine });
      expect(executable.indexOf(readFileSync(keyringModuleOf(target))), `${label}: its keychain module`).toBeGreaterThan(0);
      expect(executable.indexOf(`${VERSION} (${label})`), `${label}: its version`).toBeGreaterThan(0);
      if (target.os === 'darwin') {
        expect(validlySigned(executable), `${label}: a signature over every page`).toBe(true);
        expect(format.signature?.adhoc, label).toBe(true);
      }
      // The launcher in front of it: native on Linux and Windows (its format and CPU), the sh launcher on macOS.
      const launcher = readFileSync(join(store, platform.bin));
      if (target.os === 'darwin') expect(launcher.subarray(0, 10).toString(), label).toBe('#!/bin/sh\n');
      else {
        const launcherFormat = executableFormat(launcher);
        expect({ format: launcherFormat.format, machine: launcherFormat.machine }, `${label}: its launcher`).toEqual({
          format: target.format,
          machine: target.machine,
        });
        // A launcher, not a copy of the program: under a twentieth of its size (static C, ~700 KB, against ~117 MB).
        expect(launcher.length * 20, `${label}: its launcher, not the program`).toBeLessThan(executable.length);
      }
    }

    // This machine's: through real kubectl from krew's link, with the completion linked as the caveats say.
    const host = TARGETS.find((t) => t.os === process.platform && t.arch === (process.arch === 'x64' ? 'amd64' : process.arch));
    if (host) {
      const store = join(work, 'krew', host.os, host.arch, 'store', 'oidc', manifest.spec.version);
      const krewBin = join(work, 'krew', 'bin');
      mkdirSync(krewBin);
      symlinkSync(join(store, 'kubectl-oidc'), join(krewBin, 'kubectl-oidc'));
      symlinkSync(join(store, 'kubectl_complete-oidc'), join(krewBin, 'kubectl_complete-oidc'));
      const env = { ...process.env, PATH: `${krewBin}:${process.env.PATH}`, HOME: work };
      const version = await run(KUBECTL, ['oidc', '--version'], { env });
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(`${VERSION} (${host.os}/${host.arch})`);
      expect((await run(KUBECTL, ['__complete', 'oidc', 'se'], { env })).stdout).toBe('setup\n:4\n');

      // A login (the password grant, no browser) and a second kubectl served from the cache, without the IdP.
      const kubeconfig = join(work, 'kubeconfig');
      writeKubeconfig({
        path: kubeconfig,
        server: stack.api.url,
        caPem: stack.certs.caPem,
        command: 'kubectl-oidc',
        args: [
          'get-token',
          `--oidc-issuer-url=${stack.idp.issuer}`,
          `--oidc-client-id=${TEST_CLIENT_ID}`,
          '--oidc-extra-scope=email',
          `--certificate-authority=${stack.certs.caFile}`,
          `--token-cache-dir=${join(work, 'cache')}`,
          '--grant-type=password',
          '--username=pat',
        ],
        env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
      });
      const whoami = () => run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], { env });
      const first = await whoami();
      expect(first.code, first.stderr).toBe(0);
      expect(parseWhoAmI(first.stdout).username).toBe('pat@example.test');
      const requests = stack.idp.counts.requests;
      const second = await whoami();
      expect(second.code, second.stderr).toBe(0);
      expect(stack.idp.counts.requests).toBe(requests);
    }

    // Homebrew: each OS and CPU its own archive and sum; nothing to depend on.
    const formula = readFileSync(join(out, 'kubectl-oidc.rb'), 'utf8');
    for (const target of TARGETS.filter((t) => t.os !== 'windows')) {
      const archive = `kubectl-oidc_${VERSION}_${target.os}_${target.arch}.tar.gz`;
      expect(formula).toContain(`url "${BASE}/${archive}"\n      sha256 "${sums.get(archive)}"`);
    }
    expect(formula).not.toContain('depends_on');
    // winget (a portable command in a zip) and scoop: the Windows archive and its sum.
    const windows = `kubectl-oidc_${VERSION}_windows_amd64.zip`;
    const wingetDir = join(out, 'winget', 'manifests', 'k', 'KubectlOidc', 'KubectlOidc', VERSION);
    const installer = parse(readFileSync(join(wingetDir, 'KubectlOidc.KubectlOidc.installer.yaml'), 'utf8'));
    expect(installer).toMatchObject({
      PackageVersion: VERSION,
      InstallerType: 'zip',
      NestedInstallerType: 'portable',
      NestedInstallerFiles: [{ RelativeFilePath: 'kubectl-oidc.exe', PortableCommandAlias: 'kubectl-oidc' }],
      Installers: [{ Architecture: 'x64', InstallerUrl: `${BASE}/${windows}`, InstallerSha256: sums.get(windows)!.toUpperCase() }],
    });
    expect(readdirSync(wingetDir).sort()).toEqual([
      'KubectlOidc.KubectlOidc.installer.yaml',
      'KubectlOidc.KubectlOidc.locale.en-US.yaml',
      'KubectlOidc.KubectlOidc.yaml',
    ]);
    const scoop = JSON.parse(readFileSync(join(out, 'kubectl-oidc.json'), 'utf8'));
    expect(scoop).toMatchObject({ version: VERSION, architecture: { '64bit': { url: `${BASE}/${windows}`, hash: sums.get(windows) } } });
    expect(scoop.bin).toContain('kubectl-oidc.exe');
  }, 600_000);
});
