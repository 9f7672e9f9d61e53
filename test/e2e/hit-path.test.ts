import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHitFile } from '../../src/hit/hit-file.js';
import { argsSignature, envSignature } from '../../src/hit/signature.js';
import { fastParseGetToken } from '../../src/options/parse.js';
import { fileStore } from '../../src/session/file-store.js';
import { sessionInfo } from '../../src/session/info.js';
import { sessionKey } from '../../src/session/key.js';
import { recordingLogger, testAmbient } from '../support/ambient.js';
import { PLUGIN_BIN, REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

// Speed is measured by `npm run bench`; this guards what makes the cache hit fast, without timing anything: a hit
// loads at most two files of ours (one when the launcher's hit file answers) and none of the modules that cost it
// milliseconds.
describe.skipIf(!enabled)('the cache-hit path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-hit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the plugin and reports which built-in modules and which of our files it loaded. */
  const runReporting = async (args: string[], env: NodeJS.ProcessEnv) => {
    const report = join(dir, 'loaded.json');
    const preload = join(dir, 'report-loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ builtins: ` +
        `process.moduleLoadList, files: Object.keys(require.cache) })));`,
    );
    rmSync(report, { force: true });
    const result = await run(PLUGIN_BIN, args, { env: { ...env, NODE_OPTIONS: `--require ${preload}` } });
    const loaded = JSON.parse(readFileSync(report, 'utf8')) as { builtins: string[]; files: string[] };
    return { result, loaded, ours: loaded.files.filter((file) => file.startsWith(REPO_ROOT)).sort() };
  };
  const COSTLY = [
    'NativeModule crypto',
    'NativeModule net',
    'NativeModule child_process',
    'NativeModule internal/fs/promises',
    'NativeModule internal/deps/undici/undici',
    'NativeModule internal/modules/esm/loader',
    'NativeModule internal/util/parse_args/parse_args',
  ];

  const loadsOnly =
    'serves a disk session loading at most dist/hit.cjs and dist/kubectl-oidc.cjs: no ESM chunk, crypto, net, child_process, fs.promises or fetch';
  it(loadsOnly, async () => {
    // The issuer is never contacted on a hit, so it need not exist.
    const args = [
      '--oidc-issuer-url=https://idp.invalid',
      '--oidc-client-id=kubectl',
      '--token-cache-storage=disk',
      `--token-cache-dir=${dir}`,
    ];
    const options = fastParseGetToken(args, {})!;
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: 'https://idp.invalid', sub: 'hit', exp: Math.floor(Date.now() / 1000) + 3600 };
    const idToken = `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`;
    await fileStore(dir, undefined, testAmbient()).save(
      sessionKey(options),
      { idToken },
      sessionInfo(options, { idToken }, undefined, Date.now()),
    );

    // The first hit finds no hit file for the session (as after an upgrade) and writes one for the launcher.
    const first = await runReporting(['get-token', ...args], process.env);
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(JSON.parse(first.result.stdout).status.token).toBe(idToken);
    expect(readdirSync(dir).filter((name) => name.endsWith('.hit'))).toEqual([`${sessionKey(options)}.hit`]);

    // The same session asked with the flags in another order: not the hit file's run, so the session file answers.
    const { result, loaded, ours } = await runReporting(['get-token', ...[...args].reverse()], process.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(first.result.stdout);
    expect(ours).toEqual([join(REPO_ROOT, 'bin/kubectl-oidc'), join(REPO_ROOT, 'dist/hit.cjs'), join(REPO_ROOT, 'dist/kubectl-oidc.cjs')]);
    expect(loaded.builtins.filter((name) => COSTLY.includes(name))).toEqual([]);

    // The first run's arguments: the hit file answers, and dist/kubectl-oidc.cjs is not even loaded.
    const fromHitFile = await runReporting(['get-token', ...args], process.env);
    expect(fromHitFile.result.stdout).toBe(first.result.stdout);
    expect(fromHitFile.ours).toEqual([join(REPO_ROOT, 'bin/kubectl-oidc'), join(REPO_ROOT, 'dist/hit.cjs')]);
  });

  it("keyring storage: the launcher's hit file on $XDG_RUNTIME_DIR answers without the keychain, loading only dist/hit.cjs", async () => {
    const runtime = join(dir, 'runtime');
    const args = [
      'get-token',
      '--oidc-issuer-url=https://idp.invalid',
      '--oidc-client-id=kubectl',
      '--token-cache-storage=keyring',
      `--token-cache-dir=${join(dir, 'keyring-cache')}`,
      '--idp-timeout-sec=2',
    ];
    // No Secret Service at all: a hit that asked the keychain would fail.
    const env = { ...process.env, XDG_RUNTIME_DIR: runtime, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
    const options = fastParseGetToken(args.slice(1), env)!;
    const hit = (freshUntil: number) => ({
      freshUntil,
      args: argsSignature(args)!,
      env: envSignature(env)!,
      v1: '{"v1":"as Node would print it"}',
      v1beta1: '{"v1beta1":"as Node would print it"}',
    });
    await writeHitFile(join(runtime, 'kubectl-oidc'), sessionKey(options), hit(Math.floor(Date.now() / 1000) + 3600), recordingLogger());
    // The (sealed) session the hit stands for, in the cache directory.
    mkdirSync(join(dir, 'keyring-cache'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'keyring-cache', `${sessionKey(options)}.json`), '{}', { mode: 0o600 });

    const served = await runReporting(args, env);
    expect(served.result.code, served.result.stderr).toBe(0);
    expect(served.result.stdout).toBe('{"v1beta1":"as Node would print it"}\n');
    expect(served.result.stderr).toBe('');
    expect(served.ours).toEqual([join(REPO_ROOT, 'bin/kubectl-oidc'), join(REPO_ROOT, 'dist/hit.cjs')]);
    expect(served.loaded.builtins.filter((name) => COSTLY.includes(name))).toEqual([]);
    const v1 = await run(PLUGIN_BIN, args, { env: { ...env, KUBERNETES_EXEC_INFO: '{"apiVersion":"client.authentication.k8s.io/v1"}' } });
    expect(v1.stdout).toBe('{"v1":"as Node would print it"}\n');

    // Stale, it is not served: the full path runs (and, with no keychain and no IdP, fails).
    await writeHitFile(join(runtime, 'kubectl-oidc'), sessionKey(options), hit(Math.floor(Date.now() / 1000)), recordingLogger());
    const stale = await runReporting(args, env);
    expect(stale.result.code).not.toBe(0);
    expect(stale.result.stdout).toBe('');
    expect(stale.ours).toContain(join(REPO_ROOT, 'dist/kubectl-oidc.cjs'));
  });

  it("holds each module once: the rest of the graph uses the first file's PluginError and option table, not copies", () => {
    const dist = join(REPO_ROOT, 'dist');
    const holders = (text: string): string[] => readdirSync(dist).filter((file) => readFileSync(join(dist, file), 'utf8').includes(text));
    // A class name and an option's help, as the minifier leaves them in the one file that defines them. The hit file's
    // reader holds the hit's lists as constants, not the option table (its variables, KUBECTL_OIDC_*, are in both).
    expect(holders('"PluginError"')).toEqual(['hit.cjs']);
    expect(holders('oidc-redirect-url-authcode-keyboard')).toEqual(['kubectl-oidc.cjs']);
    expect(readFileSync(join(dist, 'hit.cjs'), 'utf8')).toContain('KUBECTL_OIDC_ISSUER_URL');
  });
});
