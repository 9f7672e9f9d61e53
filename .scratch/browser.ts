import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import '../test/support/quiet-provider.js';
const { makeCertificates } = await import('../test/support/certs.js');
const { startIdp, TEST_CLIENT_ID } = await import('../test/support/idp.js');
const { CHROMIUM_ARGS } = await import('../test/support/chromium.mjs');
const { driveLogin } = await import('../test/support/drive-login.mjs');
const certs = makeCertificates();
const cb = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Signed in</title><h1 id="heading">ok</h1>'));
await new Promise<void>((r) => cb.listen(0, '127.0.0.1', r));
const port = (cb.address() as AddressInfo).port;
const idp = await startIdp({ certs, redirectUris: [`http://127.0.0.1:${port}/`] });
const extra = (process.env.EXTRA ?? '').split(' ').filter(Boolean);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell', args: [...CHROMIUM_ARGS.map((a: string) => a.startsWith('--disable-features=') && process.env.MORE_OFF ? `${a},${process.env.MORE_OFF}` : a), ...extra], headless: true });
const url = () => {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({ client_id: TEST_CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: `http://127.0.0.1:${port}/`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: randomBytes(8).toString('hex'), nonce: 'n' });
  return `${idp.issuer}/auth?${q}`;
};
// warm-up
console.log(JSON.stringify(await driveLogin(browser, url(), { login: 'w' })));
const ticks = () => { const { execSync } = require('node:child_process'); return 0; };
void ticks;
const K = Number(process.env.K ?? 20);
const fs = await import('node:fs');
const cpuOfTree = () => {
  let t = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try { const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); if (!cmd.includes('chrom')) continue;
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); t += Number(f[11]) + Number(f[12]); } catch {}
  }
  return t / 100;
};
const c0 = cpuOfTree(); const t0 = performance.now();
for (let i = 0; i < K; i++) await driveLogin(browser, url(), { login: `u${i}` });
const c1 = cpuOfTree();
console.log(`${extra.join(' ') || '(base)'} ${process.env.MORE_OFF ?? ''}: ${K} logins, chromium ${(c1 - c0).toFixed(2)} CPU-s (${((c1 - c0) / K * 1000).toFixed(0)} ms each), wall ${((performance.now() - t0) / K).toFixed(0)} ms each`);
await browser.close(); await idp.stop(); cb.close(); process.exit(0);
