import { describe, expect, it } from 'vitest';
import { complete, completionScript, formatCompletion, SHELLS } from '../../src/options/completion.js';
import { OPTION_TABLE } from '../../src/options/table.js';

describe('shell completion from the option table', () => {
  it('commands, then the flags of the command typed', () => {
    expect(complete([''])).toEqual({
      candidates: ['get-token', 'setup', 'login', 'logout', 'clean', 'status', 'migrate', 'completion', 'version'],
      directive: 4,
    });
    expect(complete(['se']).candidates).toEqual(['setup']);
    // Flags by name, as Cobra lists them.
    expect(complete(['get-token', '--oidc-cl']).candidates).toEqual([
      '--oidc-client-assertion-file',
      '--oidc-client-id',
      '--oidc-client-secret',
      '--oidc-client-secret-file',
    ]);
    // A flag only setup takes is not offered to get-token.
    expect(complete(['get-token', '--']).candidates).not.toContain('--show-secrets');
    expect(complete(['setup', '--sh']).candidates).toEqual(['--show-secrets']);
    expect(complete(['completion', '']).candidates).toEqual([...SHELLS]);
    expect(complete(['nonsense', '--']).candidates).toEqual([]);
  });

  it('the values of a choice flag, written with = or as the next word; file names for a path', () => {
    const grantTypes = OPTION_TABLE.find((row) => row.name === 'grant-type')!.choices!;
    // As Cobra (kubectl __complete get --output= → json): bare values, the shell keeps `--grant-type=`.
    expect(complete(['get-token', '--grant-type=']).candidates).toEqual(grantTypes);
    expect(complete(['get-token', '--grant-type=dev']).candidates).toEqual(['device-code']);
    expect(complete(['get-token', '--token-cache-storage', 'd'])).toEqual({ candidates: ['disk'], directive: 4 });
    expect(complete(['get-token', '--certificate-authority=/e'])).toEqual({ candidates: [], directive: 0 });
    expect(complete(['get-token', '--token-cache-dir', ''])).toEqual({ candidates: [], directive: 0 });
    // After a boolean flag comes another flag, not a value.
    expect(complete(['get-token', '--force-refresh', '--forc']).candidates).toEqual(['--force-keyring', '--force-refresh']);
  });

  it("prints Cobra's answer, and a script for each shell that asks it", () => {
    expect(formatCompletion({ candidates: ['a', 'b'], directive: 4 })).toBe('a\nb\n:4\n');
    for (const shell of SHELLS) expect(completionScript(shell)).toContain('__complete');
  });
});
