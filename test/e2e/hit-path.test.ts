import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fastParseGetToken } from '../../src/options/parse.js';
import { fileStore } from '../../src/session/file-store.js';
import { sessionInfo } from '../../src/session/info.js';
import { sessionKey } from '../../src/session/key.js';
import { PLUGIN_BIN, REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

// Speed is measured by `npm run bench`; this guards what makes the cache hit fast, without timing anything: a hit
// loads one file of ours and none of the modules that cost it milliseconds.
describe.skipIf(!enabled)('the cache-hit path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-hit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const loadsOnly =
    'serves a disk session loading only dist/kubectl-oidc.cjs: no ESM chunk, crypto, net, child_process, fs.promises or fetch';
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
    await fileStore(dir, undefined).save(sessionKey(options), { idToken }, sessionInfo(options, { idToken }, undefined));

    const report = join(dir, 'loaded.json');
    const preload = join(dir, 'report-loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ builtins: ` +
        `process.moduleLoadList, files: Object.keys(require.cache) })));`,
    );
    const result = await run(PLUGIN_BIN, ['get-token', ...args], { env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).status.token).toBe(idToken);

    const loaded = JSON.parse(readFileSync(report, 'utf8')) as { builtins: string[]; files: string[] };
    expect(loaded.files.filter((file) => file.startsWith(REPO_ROOT)).sort()).toEqual([
      join(REPO_ROOT, 'bin/kubectl-oidc'),
      join(REPO_ROOT, 'dist/kubectl-oidc.cjs'),
    ]);
    const costly = [
      'NativeModule crypto',
      'NativeModule net',
      'NativeModule child_process',
      'NativeModule internal/fs/promises',
      'NativeModule internal/deps/undici/undici',
      'NativeModule internal/modules/esm/loader',
      'NativeModule internal/util/parse_args/parse_args',
    ];
    expect(loaded.builtins.filter((name) => costly.includes(name))).toEqual([]);
  });

  it("holds each module once: the rest of the graph uses the hit file's PluginError and option table, not copies", () => {
    const dist = join(REPO_ROOT, 'dist');
    const holders = (text: string): string[] => readdirSync(dist).filter((file) => readFileSync(join(dist, file), 'utf8').includes(text));
    // A class name and an option name, as the minifier leaves them in the one file that defines them.
    expect(holders('"PluginError"')).toEqual(['kubectl-oidc.cjs']);
    expect(holders('oidc-redirect-url-authcode-keyboard')).toEqual(['kubectl-oidc.cjs']);
  });
});
