import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

/** The entries: cli/, and the compiled executable's first lines (which give the hit reader the time). */
const belowCli = sources(SRC)
  .map((file) => relative(SRC, file))
  .filter((file) => !file.startsWith('cli/') && file !== 'executable.ts');

const code = (file: string): string =>
  readFileSync(join(SRC, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');

describe('the walls of ARCHITECTURE.md', () => {
  it('no module below cli/ reads the clock: it is passed in', () => {
    expect(belowCli.length).toBeGreaterThan(50);
    expect(belowCli.filter((file) => /Date\.now\(|new Date\(\)|performance\.now\(/.test(code(file)))).toEqual([]);
  });

  it('no module below cli/ keeps logger state or writes a log line itself: a Logger is passed in', () => {
    expect(code('log.ts')).not.toMatch(/^(let|var) /m);
    expect(code('log.ts')).not.toMatch(/process\.std(err|out)/);
    const writers = belowCli.filter((file) => /process\.stderr\.write\(`kubectl-oidc:/.test(code(file)));
    expect(writers).toEqual([]);
  });

  it('an openid-client configuration gets its fetch when it is made (oidc/provider.ts), never changed per request', () => {
    expect(belowCli.filter((file) => /\[client\.customFetch\]\s*=[^=]/.test(code(file)))).toEqual(['oidc/provider.ts']);
  });

  it("README's rooms, in order, are the import graph: every file in one room, every import to a room further down", () => {
    const readme = readFileSync(join(SRC, '../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('Where things live'));
    const rows = table
      .slice(0, table.indexOf('\n\n', table.indexOf('| room |')))
      .split('\n')
      .filter((line) => line.startsWith('| `src/'))
      .map((line) => [...line.split(' | ')[0]!.matchAll(/`src\/([^`]+)`/g)].map((m) => m[1]!));
    expect(rows.length).toBeGreaterThan(10);
    // A file named in a row is there; else the row of its folder.
    const rowOf = (file: string): number => {
      const named = rows.findIndex((row) => row.includes(file));
      return named >= 0 ? named : rows.findIndex((row) => row.some((room) => room.endsWith('/') && file.startsWith(room)));
    };
    const files = sources(SRC).map((file) => relative(SRC, file));
    expect(files.filter((file) => rowOf(file) < 0)).toEqual([]);
    const upward: string[] = [];
    for (const file of files) {
      for (const [, specifier] of code(file).matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
        const target = relative(SRC, resolve(dirname(join(SRC, file)), specifier!)).replace(/\.js$/, '.ts');
        if (rowOf(target) < rowOf(file)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
