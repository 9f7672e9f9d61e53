import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeModuleDir, placedModule } from '../../src/keychain/native-module.js';

describe("the executable's native module, placed once per user", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const workspace = (): { embedded: string; digest: string; dir: string } => {
    const root = mkdtempSync(join(tmpdir(), 'native-module-'));
    dirs.push(root);
    const embedded = join(root, 'embedded.node');
    writeFileSync(embedded, 'module bytes');
    return { embedded, digest: createHash('sha256').update('module bytes').digest('hex'), dir: join(root, 'a', 'modules') };
  };

  it("lives where each OS keeps a program's caches", () => {
    expect(nativeModuleDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.cache/kubectl-oidc/modules');
    expect(nativeModuleDir({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' }, 'linux')).toBe('/xdg/kubectl-oidc/modules');
    expect(nativeModuleDir({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Caches/kubectl-oidc/modules');
    expect(nativeModuleDir({ LOCALAPPDATA: '/local' }, 'win32')).toBe('/local/kubectl-oidc/modules');
  });

  it('is written once under its digest in a 0700 directory, then only checked; a changed copy is replaced', () => {
    const { embedded, digest, dir } = workspace();
    const path = placedModule(embedded, digest, dir, 'keyring');
    expect(path).toBe(join(dir, `keyring-${digest.slice(0, 32)}.node`));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const before = statSync(path);
    expect(placedModule(embedded, digest, dir, 'keyring')).toBe(path);
    expect(statSync(path).ino).toBe(before.ino);
    writeFileSync(path, 'something else');
    placedModule(embedded, digest, dir, 'keyring');
    expect(readFileSync(path, 'utf8')).toBe('module bytes');
    expect(readdirSync(dir)).toEqual([`keyring-${digest.slice(0, 32)}.node`]);
  });

  it('refuses embedded bytes that are not the digest it was built with', () => {
    const { embedded, dir } = workspace();
    expect(() => placedModule(embedded, 'f'.repeat(64), dir, 'keyring')).toThrow(
      "the executable's keyring module does not match its digest",
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
