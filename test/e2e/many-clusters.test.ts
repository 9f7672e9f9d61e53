import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type TestApiServer } from '../support/apiserver.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';
import { startIdp, TEST_PASSWORD, type TestIdp } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, type Workspace } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();
const AUDIENCES = ['cluster-1', 'cluster-2', 'cluster-3', 'cluster-4', 'cluster-5'];
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Five clusters, each a kube-apiserver that accepts only ID tokens for its own audience, and one client at the IdP. */
describe.skipIf(!enabled)('one browser login for many clusters: --oidc-audience', () => {
  let certs: TestCertificates;
  let idp: TestIdp;
  let clusters: TestApiServer[];
  let ws: Workspace;

  beforeAll(async () => {
    certs = makeCertificates();
    idp = await startIdp({ certs, exchangeAudiences: AUDIENCES });
    clusters = await Promise.all(AUDIENCES.map((audience) => startApiServer(certs, idp.issuer, audience)));
    ws = newWorkspace({ certs, idp, api: clusters[0]! }, { driverEnv: { DRIVER_LOGIN: 'alice' } });
    const ca = Buffer.from(certs.caPem).toString('base64');
    const exec = (audience: string) => ({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: PLUGIN_BIN,
      args: [...ws.pluginArgs, `--oidc-audience=${audience}`],
      interactiveMode: 'IfAvailable',
    });
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: AUDIENCES.map((name, i) => ({ name, cluster: { server: clusters[i]!.url, 'certificate-authority-data': ca } })),
      users: AUDIENCES.map((name) => ({ name, user: { exec: exec(name) } })),
      contexts: AUDIENCES.map((name) => ({ name, context: { cluster: name, user: name } })),
      'current-context': AUDIENCES[0],
    };
    writeFileSync(ws.kubeconfig, JSON.stringify(config, null, 2), { mode: 0o600 });
  });

  afterAll(async () => {
    await ws?.cleanup();
    await Promise.all([...(clusters ?? []).map((api) => api.stop()), idp?.stop()]);
    rmSync(certs.dir, { recursive: true, force: true });
  });

  const snapshot = () => ({
    requests: idp.counts.requests,
    logins: idp.counts.logins,
    authorization: idp.counts.authorization,
    codes: idp.counts.grants.authorization_code ?? 0,
    refreshes: idp.counts.grants.refresh_token ?? 0,
    exchanges: idp.counts.grants[EXCHANGE] ?? 0,
  });
  const since = (before: ReturnType<typeof snapshot>) => {
    const now = snapshot();
    return Object.fromEntries(Object.entries(now).map(([name, value]) => [name, value - before[name as keyof typeof now]]));
  };
  /** `kubectl auth whoami` in every context at once, as a person switching between clusters (or a script) would. */
  const whoamiEverywhere = () =>
    Promise.all(AUDIENCES.map((context) => ws.kubectl(['--context', context, 'auth', 'whoami', '-o', 'json'])));

  it('five contexts: 1 browser login and 5 exchanges; again: 0 IdP requests; an hour later: 1 refresh and 5 exchanges', async () => {
    const first = snapshot();
    const round1 = await whoamiEverywhere();
    for (const result of round1) {
      expect(result.code, result.stderr).toBe(0);
      expect(parseWhoAmI(result.stdout).username).toBe('alice@example.test');
    }
    expect(since(first)).toMatchObject({ logins: 1, codes: 1, refreshes: 0, exchanges: 5 });
    // Each cluster saw a token for its own audience (its API server checks aud), asked for by audience, once each.
    for (const api of clusters) expect(api.outcomes.map((o) => o.ok)).toEqual([true]);
    expect(idp.counts.exchanges.map((e) => e.audience?.[0]).sort()).toEqual(AUDIENCES);
    expect(new Set(idp.counts.exchanges.map((e) => `${e.subject_token_type} → ${e.requested_token_type}`))).toEqual(
      new Set(['urn:ietf:params:oauth:token-type:id_token → urn:ietf:params:oauth:token-type:id_token']),
    );
    // Six sessions: the client's own and one per audience, which status tells apart.
    expect(ws.sessionFiles()).toHaveLength(6);
    const status = await run(PLUGIN_BIN, ['status', `--token-cache-dir=${ws.cacheDir}`], { env: ws.env });
    expect(status.stdout.split('\n').filter((line) => line.includes('alice@example.test'))).toHaveLength(6);
    for (const audience of AUDIENCES) expect(status.stdout).toContain(`kubectl → ${audience} `);

    const second = snapshot();
    const round2 = await whoamiEverywhere();
    for (const result of round2) expect(result.code, result.stderr).toBe(0);
    expect(since(second)).toMatchObject({ requests: 0 });

    // An hour later: every cached ID token is signed again as issued an hour ago (30 s left, inside the margin), and the
    // hit files (fresh-until lines) are gone, as after a reboot.
    for (const file of ws.sessionFiles()) {
      const path = join(ws.cacheDir, file);
      const session = JSON.parse(readFileSync(path, 'utf8')) as { tokens: { idToken: string } };
      session.tokens.idToken = await idp.aged(session.tokens.idToken);
      writeFileSync(path, JSON.stringify(session), { mode: 0o600 });
    }
    for (const hit of readdirSync(ws.cacheDir).filter((name) => name.endsWith('.hit'))) rmSync(join(ws.cacheDir, hit));
    const third = snapshot();
    const round3 = await whoamiEverywhere();
    for (const result of round3) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('open this URL');
    }
    expect(since(third)).toMatchObject({ logins: 0, authorization: 0, codes: 0, refreshes: 1, exchanges: 5 });
  });

  it('kubectl oidc login for each of five clusters: 1 browser login and 5 exchanges; then kubectl in every context asks nothing', async () => {
    const fresh = newWorkspace({ certs, idp, api: clusters[0]! }, { driverEnv: { DRIVER_LOGIN: 'ivan' } });
    try {
      const file = join(fresh.dir, 'config');
      const before = snapshot();
      for (const [i, audience] of AUDIENCES.entries()) {
        const result = await run(
          PLUGIN_BIN,
          [
            'login',
            ...fresh.pluginArgs.slice(1),
            '--oidc-username-claim=email',
            `--oidc-audience=${audience}`,
            `--context=${audience}`,
            `--server=${clusters[i]!.url}`,
            `--cluster-ca=${certs.caFile}`,
            `--kubeconfig=${file}`,
          ],
          { env: fresh.env },
        );
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(`✓ kube-apiserver (audience ${audience}) takes it: username ivan@example.test`);
      }
      const logins = since(before);
      expect(logins).toMatchObject({ logins: 1, codes: 1, exchanges: 5 });
      console.log(`five logins through kubectl oidc login: ${JSON.stringify(logins)}`);

      const after = snapshot();
      const results = await Promise.all(
        AUDIENCES.map((context) => fresh.kubectl(['--kubeconfig', file, '--context', context, 'auth', 'whoami', '-o', 'json'])),
      );
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0);
        expect(parseWhoAmI(result.stdout).username).toBe('ivan@example.test');
      }
      expect(since(after)).toMatchObject({ requests: 0 });
    } finally {
      await fresh.cleanup();
    }
  });

  it('an exchanged ID token is checked as every other: another issuer, an exp past or missing, another audience → refused, nothing kept', async () => {
    const machine = newWorkspace(
      { certs, idp, api: clusters[0]! },
      {
        extraArgs: ['--grant-type=password', '--username=otto', '--oidc-extra-scope=offline_access'],
        env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
      },
    );
    try {
      expect((await machine.plugin()).code).toBe(0); // the client's own session, the subject of the exchanges
      const now = Math.floor(Date.now() / 1000);
      for (const [claims, said] of [
        [{ iss: 'https://attacker.invalid' }, /it was issued by "https:\/\/attacker\.invalid", not by https:\/\/127\.0\.0\.1:/],
        [{ exp: now - 60 }, /it expired 6\d s ago/],
        [{ exp: null }, /it has no exp/],
        [{ aud: 'cluster-x' }, /it is for cluster-x, not cluster-1/],
      ] as const) {
        idp.setQuirks({ idTokenClaims: { grant: EXCHANGE, claims } });
        const result = await machine.plugin(['--oidc-audience=cluster-1']);
        expect(result.code, JSON.stringify(claims)).toBe(1);
        expect(result.stdout).toBe('');
        const lines = result.stderr.trim().split('\n');
        expect(lines, JSON.stringify(claims)).toHaveLength(1);
        expect(lines[0]).toMatch(/^kubectl-oidc: the ID token of the token answer \(token-exchange grant\) does not verify: /);
        expect(lines[0]).toMatch(said);
        expect(machine.sessionFiles(), JSON.stringify(claims)).toHaveLength(1); // the client's own; nothing for cluster-1
      }
      idp.setQuirks({});
      const good = await machine.plugin(['--oidc-audience=cluster-1']);
      expect(good.code, good.stderr).toBe(0);
      expect(machine.sessionFiles()).toHaveLength(2);
    } finally {
      idp.setQuirks({});
      await machine.cleanup();
    }
  });

  it('an audience the IdP does not let the client exchange for: one line naming the request, the IdP error and the fix', async () => {
    const result = await ws.plugin(['--oidc-audience=cluster-unknown']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    // The session of the client is there (the test above): the exchange is the only request, its refusal the only line.
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /token-exchange grant.*invalid_target.* — allow client kubectl to exchange its tokens for audience cluster-unknown/,
    );
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
