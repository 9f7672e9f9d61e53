import { flagPatterns } from '../options/flag-patterns.js';
import { envName, rowsOf } from '../options/table.js';

// The option table's facts a hit depends on, as plain lists. The bundlers put the lists themselves in this module's
// place (scripts/build.mjs, scripts/compile.mjs: `hitListsPlugin`), so that a hit reader never loads or evaluates the
// table; run from source (tests, tsx) they are derived here.

export interface SignatureLists {
  /** Every variable get-token reads (KUBECTL_OIDC_*) and those that decide where the cache lives. */
  environment: string[];
  /** Flags and variables whose values are secrets. */
  secretFlags: string[];
  secretEnvironment: string[];
  /** Flags, as sh case patterns, that ask for more than a cached credential (with help). */
  unjudged: string[];
  /** Flags, as sh case patterns, and variables that name whom a session is for. */
  identityFlags: string[];
  identityEnvironment: string[];
  /** The environment's --force-refresh. */
  forceRefreshVariable: string;
}

export const signatureLists = (): SignatureLists => {
  const rows = rowsOf('get-token');
  const secret = rows.filter((row) => row.secret);
  const identity = rows.filter((row) => row.identity);
  return {
    environment: [...rows.filter((row) => row.env !== false).map((row) => envName(row.name)), 'KUBECACHEDIR', 'HOME', 'XDG_RUNTIME_DIR'],
    secretFlags: secret.map((row) => `--${row.name}`),
    secretEnvironment: secret.filter((row) => row.env !== false).map((row) => envName(row.name)),
    unjudged: [...rows.filter((row) => row.handOff || row.neverHit || row.identity).flatMap(flagPatterns), '-h', '--help'],
    identityFlags: identity.flatMap(flagPatterns),
    identityEnvironment: identity.filter((row) => row.env !== false).map((row) => envName(row.name)),
    forceRefreshVariable: envName('force-refresh'),
  };
};

export const LISTS: SignatureLists = signatureLists();
