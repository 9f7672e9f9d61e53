import { afterEach, describe, expect, it, vi } from 'vitest';
import { helpWidth, SECTION_HEADINGS } from '../../src/cli/help.js';
import { run } from '../../src/cli/program.js';

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
      SECTION_HEADINGS.provider,
      SECTION_HEADINGS.login,
      SECTION_HEADINGS.cache,
      SECTION_HEADINGS.network,
      SECTION_HEADINGS['token-exchange'],
      SECTION_HEADINGS.output,
      SECTION_HEADINGS.kubelogin,
      'Options:', // --help
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
