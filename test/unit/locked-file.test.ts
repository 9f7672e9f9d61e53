import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editUnderKubectlLock } from '../../src/kubeconfig/locked-file.js';
import { testAmbient } from '../support/ambient.js';

// The one writer of a user's kubeconfig and kuberc, against the real file system: kubectl's <file>.lock, the read
// under it, the backups.

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-locked-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const settings = (ambient = testAmbient()) => ({ ...ambient, waitMs: 60_000, backupSuffix: 'kubectl-oidc-backup' });

describe("editing a file under kubectl's lock", () => {
  it('a held <file>.lock: nothing is read or written until its holder removes it; then the change applies to what the holder wrote', async () => {
    const file = join(scratch(), 'config');
    writeFileSync(file, 'a: 1\n', { mode: 0o600 });
    writeFileSync(`${file}.lock`, '');
    const ambient = testAmbient();
    let held!: () => void;
    const waiting = new Promise<void>((resolve) => {
      held = resolve;
    });
    ambient.log.info = (line) => {
      ambient.log.said.push(line);
      held();
    };
    const seen: string[] = [];
    const edit = editUnderKubectlLock(
      file,
      (text) => {
        seen.push(text);
        return `${text}ours: 1\n`;
      },
      settings(ambient),
    );
    await waiting; // it said the lock is held, and waits
    expect(ambient.log.said).toEqual([`${file}.lock is held (kubectl is writing ${file}); waiting for it`]);
    expect(seen).toEqual([]);
    // kubectl writes while it holds the lock, then releases it.
    writeFileSync(file, 'a: 1\nkubectl: 2\n');
    rmSync(`${file}.lock`);
    const edited = await edit;
    expect(seen).toEqual(['a: 1\nkubectl: 2\n']);
    expect(readFileSync(file, 'utf8')).toBe('a: 1\nkubectl: 2\nours: 1\n');
    expect(edited.backup).toBe(`${file}.kubectl-oidc-backup`);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('a lock held past the wait: nothing written, one error naming the lock and what to do', async () => {
    const file = join(scratch(), 'config');
    writeFileSync(file, 'a: 1\n');
    writeFileSync(`${file}.lock`, '');
    const edit = editUnderKubectlLock(file, (text) => `${text}b: 2\n`, { ...settings(), waitMs: 0 });
    await expect(edit).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining(`${file}.lock has been held`) });
    expect(readFileSync(file, 'utf8')).toBe('a: 1\n');
    expect(existsSync(`${file}.lock`)).toBe(true); // kubectl's, not ours to remove
  });

  it('backups: the original kept once, the text before the latest write beside it, both 0600 — two files however many writes', async () => {
    const dir = scratch();
    const file = join(dir, 'config');
    writeFileSync(file, 'original: true\n', { mode: 0o644 });
    for (let i = 1; i <= 15; i++) await editUnderKubectlLock(file, () => `write: ${i}\n`, settings());
    expect(readFileSync(file, 'utf8')).toBe('write: 15\n');
    expect(readdirSync(dir).sort()).toEqual(['config', 'config.kubectl-oidc-backup', 'config.kubectl-oidc-backup-previous']);
    expect(readFileSync(`${file}.kubectl-oidc-backup`, 'utf8')).toBe('original: true\n');
    expect(readFileSync(`${file}.kubectl-oidc-backup-previous`, 'utf8')).toBe('write: 14\n');
    for (const name of ['config.kubectl-oidc-backup', 'config.kubectl-oidc-backup-previous']) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
    // The file keeps its own mode (kubectl's), and nothing changes when nothing changes.
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const same = await editUnderKubectlLock(file, (text) => text, settings());
    expect(same.backup).toBeUndefined();
  });

  it('a file not there yet is made 0600 in a directory made for it, without a backup', async () => {
    const file = join(scratch(), 'new', '.kube', 'config');
    const edited = await editUnderKubectlLock(file, () => 'apiVersion: v1\n', settings());
    expect(edited.backup).toBeUndefined();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(file, '..'))).toEqual(['config']);
  });

  it('a change that fails leaves the file as it was and releases the lock', async () => {
    const file = join(scratch(), 'config');
    writeFileSync(file, 'a: 1\n');
    await expect(
      editUnderKubectlLock(
        file,
        () => {
          throw new Error('no');
        },
        settings(),
      ),
    ).rejects.toThrow('no');
    expect(readFileSync(file, 'utf8')).toBe('a: 1\n');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
