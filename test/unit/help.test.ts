import { afterEach, describe, expect, it, vi } from 'vitest';
import { helpWidth, SECTION_HEADINGS } from '../../src/cli/help.js';
import { run } from '../../src/cli/program.js';
import { COMMANDS } from '../../src/options/commands.js';

/** What `kubectl-oidc <args>` prints on stdout (not a terminal here), with $COLUMNS as given. */
const printed = async (args: string[], columns?: string): Promise<string> => {
  vi.stubEnv('COLUMNS', columns ?? '');
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await run(['node', 'kubectl-oidc', ...args]);
  } finally {
    write.mockRestore();
  }
  return out;
};

describe('help', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  });

  it('wraps at the terminal width, else $COLUMNS, else 80', () => {
    expect(helpWidth({ isTTY: true, columns: 99 } as NodeJS.WriteStream, { COLUMNS: '120' })).toBe(99);
    expect(helpWidth({ isTTY: false } as NodeJS.WriteStream, { COLUMNS: '120' })).toBe(120);
    expect(helpWidth({ isTTY: false } as NodeJS.WriteStream, {})).toBe(80);
  });

  it('get-token --help: grouped by purpose in order, required flags first and marked, no line over the width', async () => {
    const help = await printed(['get-token', '--help']);
    const lines = help.split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    const headings = lines.filter((line) => /^\S.*:$/.test(line) && line !== 'Usage:');
    expect(headings).toEqual([
      'Options:', // --help
      SECTION_HEADINGS.provider,
      SECTION_HEADINGS.login,
      SECTION_HEADINGS.cache,
      SECTION_HEADINGS.network,
      SECTION_HEADINGS['token-exchange'],
      SECTION_HEADINGS.output,
      SECTION_HEADINGS.kubelogin,
      'Examples:',
    ]);
    // The required flags open the provider section, marked; every flag of the table is listed once.
    const provider = lines.slice(lines.indexOf(SECTION_HEADINGS.provider) + 1);
    expect(provider[0]).toBe('  --oidc-issuer-url <url>');
    expect(provider[1]).toMatch(/^ {6}issuer URL of the OpenID Connect provider \(required, env:/);
    expect(provider[3]).toBe('  --oidc-client-id <id>');
    expect(help.match(/\(required/g)).toHaveLength(2);
    // --username and --password side by side in the login section, not 20 flags apart.
    const flags = lines.filter((line) => line.startsWith('  -')).map((line) => line.trim().split(' ')[0]);
    expect(flags.indexOf('--password-file') - flags.indexOf('--password')).toBe(2);
    expect(flags.indexOf('--username')).toBeGreaterThan(flags.indexOf('--skip-open-browser'));
    expect(new Set(flags).size).toBe(flags.length);
    expect(help).not.toMatch(/default: (\[\]|\{\})/);
  });

  it('every command: Options first, Examples last with the command itself, 80 columns, no runtime named', async () => {
    for (const name of Object.keys(COMMANDS)) {
      const help = await printed([name, '--help']);
      const lines = help.trimEnd().split('\n');
      const headings = lines.filter((line) => /^\S.*:$/.test(line) && !['Usage:', 'Arguments:'].includes(line));
      expect(headings[0], name).toBe('Options:');
      expect(headings.at(-1), name).toBe('Examples:');
      const examples = lines.slice(lines.indexOf('Examples:') + 1);
      expect(
        examples.some((line) => line.startsWith(`  kubectl-oidc ${name}`) || line.includes(`kubectl-oidc ${name} `)),
        name,
      ).toBe(true);
      expect(
        lines.filter((line) => line.length > 80),
        name,
      ).toEqual([]);
      expect(help, name).not.toMatch(/Node\.js|\bBun\b/);
    }
  });

  it("logout and clean list only what finds a session and reaches its IdP; the rest of get-token's flags are taken, not listed", async () => {
    const flagsOf = (help: string) =>
      help
        .split('\n')
        .filter((line) => line.startsWith('  -'))
        .map((line) => line.trim().split(/[ ,]/)[0]);
    const logout = flagsOf(await printed(['logout', '--help']));
    expect(logout.sort()).toEqual(
      [
        '--all',
        '-h',
        '--oidc-issuer-url',
        '--oidc-client-id',
        '--oidc-audience',
        '--oidc-client-assertion-file',
        '--oidc-client-secret',
        '--oidc-client-secret-file',
        '--username',
        '--account',
        '--token-cache-dir',
        '--token-cache-storage',
        '--certificate-authority',
        '--certificate-authority-data',
        '--idp-timeout-sec',
        '--insecure-skip-tls-verify',
        '--oidc-request-header',
        '-v',
        '--skip-revoke',
      ].sort(),
    );
    // clean removes everything without flags: no --all to list.
    expect(flagsOf(await printed(['clean', '--help'])).sort()).toEqual(logout.filter((flag) => flag !== '--all').sort());
    // A kubeconfig's get-token arguments, pasted: taken (what stops this run is the missing issuer, not a flag).
    let err = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    try {
      await run(['node', 'kubectl-oidc', 'logout', '--grant-type=password', '--browser-command=x', '--oidc-extra-scope=email']);
    } finally {
      write.mockRestore();
    }
    expect(err).toContain('logout needs --oidc-issuer-url and --oidc-client-id');
    expect(err).not.toContain('unknown option');
  });

  it('the root help says where to start: login for a cluster, setup to find the flags, migrate from kubelogin', async () => {
    const help = await printed(['--help']);
    const start = help.slice(help.indexOf('Where to start:'));
    expect(start).toMatch(/^Where to start:\n {2}# A cluster to use.*\n {2}kubectl-oidc login /);
    expect(start).toContain('  kubectl-oidc setup --oidc-issuer-url=');
    expect(start).toContain('  kubectl-oidc migrate --dry-run');
  });

  it('with room beside the flags, descriptions sit beside them, wrapped at the width', async () => {
    const help = await printed(['setup', '--help'], '160');
    const lines = help.split('\n');
    expect(lines.filter((line) => line.length > 160)).toEqual([]);
    expect(lines.find((line) => line.startsWith('  --oidc-issuer-url <url>'))).toMatch(
      / {2}issuer URL of the OpenID Connect provider \(required/,
    );
    expect(lines).toContain(SECTION_HEADINGS.apiserver);
    expect(lines).toContain(SECTION_HEADINGS.setup);
  });
});
