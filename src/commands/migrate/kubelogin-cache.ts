import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ambient } from '../../ambient.js';
import { kubeconfigOptionsOf } from '../../options/parse.js';
import { expandHome, kubeCacheDir } from '../../options/table.js';
import { jwtClaims } from '../../session/expiry.js';

/** kubelogin's token cache directory for these get-token arguments: its --token-cache-dir, else its default. */
const kubeloginCacheDir = (args: string[]): string => {
  const given = args.find((arg) => arg.startsWith('--token-cache-dir='))?.slice('--token-cache-dir='.length);
  return given ? expandHome(given) : kubeCacheDir('oidc-login');
};

interface CachedTokens {
  idToken: string;
  refreshToken?: string;
  exp: number;
}

/**
 * kubelogin names its cache files by a hash of its own key; the cached ID token's iss and aud say whose session a file
 * holds. The freshest matching one, if any.
 */
const findSession = async (dir: string, issuer: string, clientId: string): Promise<(CachedTokens & { file: string }) | undefined> => {
  let best: (CachedTokens & { file: string }) | undefined;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = join(dir, name);
    let cached: { id_token?: unknown; refresh_token?: unknown };
    try {
      cached = JSON.parse(await readFile(file, 'utf8')) as typeof cached;
    } catch {
      continue;
    }
    if (typeof cached.id_token !== 'string') continue;
    const claims = jwtClaims(cached.id_token);
    const audiences = ([] as unknown[]).concat(claims?.aud);
    if (claims?.iss !== issuer || !audiences.includes(clientId)) continue;
    const exp = typeof claims.exp === 'number' ? claims.exp : 0;
    if (best && best.exp >= exp) continue;
    best = {
      file,
      idToken: cached.id_token,
      exp,
      ...(typeof cached.refresh_token === 'string' ? { refreshToken: cached.refresh_token } : {}),
    };
  }
  return best;
};

/** Copies the kubelogin session of a migrated user into kubectl-oidc's store, so that nobody logs in again. Answers what it did. */
export const importKubeloginSession = async (getTokenArgs: string[], ambient: Ambient): Promise<string> => {
  const options = kubeconfigOptionsOf(getTokenArgs);
  if (!options) return 'its session was not imported (its flags need commander to read them: run kubectl-oidc get-token with them once)';
  const dir = kubeloginCacheDir(getTokenArgs);
  const found = await findSession(dir, options.provider.issuerUrl, options.provider.clientId);
  if (!found) return `no kubelogin session of it in ${dir} (kubelogin's keyring entries are not read)`;
  const [{ sessionAdapters }, { adopt }] = await Promise.all([import('../../sessions/adapters.js'), import('../../sessions/obtain.js')]);
  const session = await sessionAdapters(
    options,
    { interactive: false, run: { args: ['get-token', ...getTokenArgs], env: process.env } },
    ambient,
  );
  const tokens = { idToken: found.idToken, ...(found.refreshToken ? { refreshToken: found.refreshToken } : {}) };
  if (!(await adopt(options, session, tokens))) return `its session is already in kubectl-oidc's cache (${session.store.name} storage)`;
  return `imported its kubelogin session from ${found.file} (${session.store.name} storage)`;
};
