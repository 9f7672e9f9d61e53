import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { e2eEnabled, KUBECTL } from './requirements.js';

const enabled = e2eEnabled();

interface KrewPlatform {
  selector: { matchLabels: Record<string, string> };
  uri: string;
  sha256: string;
  files: { from: string; to: string }[];
  bin: string;
}

/** A `from` of krew's files: a path in the unpacked archive whose last part may be `*` (all it holds). */
const matches = (unpacked: string, from: string): string[] =>
  from.endsWith('/*') ? readdirSync(join(unpacked, from.slice(0, -2))).map((name) => join(from.slice(0, -2), name)) : [from];

describe.skipIf(!enabled)('npm run package', () => {
  const work = mkdtempSync(join(tmpdir(), 'kubectl-oidc-package-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('an archive that needs only node, its sum, and a krew manifest that installs it as krew does: kubectl oidc runs', async () => {
    const out = join(work, 'release');
    const packaged = await run(process.execPath, [join(REPO_ROOT, 'scripts/package.mjs'), '--no-build', '--out', out], {
      env: { ...process.env, RELEASE_BASE_URL: 'https://releases.example/v1' },
    });
    expect(packaged.code, packaged.stderr).toBe(0);
    const [sum, archiveName] = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split(/\s+/);
    const archive = join(out, archiveName!);
    expect(createHash('sha256').update(readFileSync(archive)).digest('hex')).toBe(sum);

    // krew's v1alpha2 manifest, and the entry for this machine.
    const manifest = parse(readFileSync(join(out, 'oidc.yaml'), 'utf8'));
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'oidc' },
    });
    expect(manifest.spec.caveats).toMatch(/Node\.js 20\.19/);
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    const platform = (manifest.spec.platforms as KrewPlatform[]).find(
      (p) => p.selector.matchLabels.os === process.platform && p.selector.matchLabels.arch === arch,
    )!;
    expect(platform).toBeDefined();
    expect(platform.uri).toBe(`https://releases.example/v1/${archiveName}`);
    expect(platform.sha256).toBe(sum);

    // As `kubectl krew install --manifest=oidc.yaml --archive=…` does: unpack, copy what `files` names into the
    // plugin's directory, link `bin` as kubectl-<name> into krew's bin directory.
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    expect((await run('tar', ['-xzf', archive, '-C', unpacked])).code).toBe(0);
    expect(readdirSync(join(unpacked, readdirSync(unpacked)[0]!))).not.toContain('node_modules');
    const store = join(work, 'krew', 'store', 'oidc', manifest.spec.version);
    mkdirSync(store, { recursive: true });
    for (const { from, to } of platform.files) {
      for (const path of matches(unpacked, from))
        cpSync(join(unpacked, path), join(store, to, path.split('/').at(-1)!), { recursive: true });
    }
    const bin = join(store, platform.bin);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const krewBin = join(work, 'krew', 'bin');
    mkdirSync(krewBin);
    symlinkSync(bin, join(krewBin, 'kubectl-oidc'));

    // Real kubectl finds the plugin on PATH; the launcher, reached through krew's link, finds its Node entry.
    const env = { ...process.env, PATH: [krewBin, dirname(process.execPath), '/usr/bin', '/bin'].join(':') };
    const version = await run(KUBECTL, ['oidc', '--version'], { env });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
    // Completion, once kubectl_complete-oidc is linked beside it as the caveats say.
    symlinkSync(join(store, 'bin', 'kubectl_complete-oidc'), join(krewBin, 'kubectl_complete-oidc'));
    expect((await run(KUBECTL, ['__complete', 'oidc', 'se'], { env })).stdout).toBe('setup\n:4\n');

    // The Homebrew formula: this archive, its sum, and node.
    const formula = readFileSync(join(out, 'kubectl-oidc.rb'), 'utf8');
    expect(formula).toContain(`url "https://releases.example/v1/${archiveName}"`);
    expect(formula).toContain(`sha256 "${sum}"`);
    expect(formula).toContain('depends_on "node"');
  });
});
