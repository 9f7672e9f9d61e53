import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
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
});
