// The platforms a release is built for, and what each one's executable is made of: the Bun runtime it is compiled onto
// and the OS-keychain module it carries. Both come from npm, at the versions package-lock.json pins (they are optional
// dependencies of `bun` and `@napi-rs/keyring`, so the lockfile holds every platform's with its integrity).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** os and arch as krew, Go and Homebrew name them. `format` and `machine` are what the executable's header must say. */
export const TARGETS = [
  {
    os: 'linux',
    arch: 'amd64',
    bun: 'bun-linux-x64',
    runtime: '@oven/bun-linux-x64',
    keyring: '@napi-rs/keyring-linux-x64-gnu',
    format: 'elf',
    machine: 0x3e,
  },
  {
    os: 'linux',
    arch: 'arm64',
    bun: 'bun-linux-arm64',
    runtime: '@oven/bun-linux-aarch64',
    keyring: '@napi-rs/keyring-linux-arm64-gnu',
    format: 'elf',
    machine: 0xb7,
  },
  {
    os: 'darwin',
    arch: 'amd64',
    bun: 'bun-darwin-x64',
    runtime: '@oven/bun-darwin-x64',
    keyring: '@napi-rs/keyring-darwin-x64',
    format: 'macho',
    machine: 0x01000007,
  },
  {
    os: 'darwin',
    arch: 'arm64',
    bun: 'bun-darwin-arm64',
    runtime: '@oven/bun-darwin-aarch64',
    keyring: '@napi-rs/keyring-darwin-arm64',
    format: 'macho',
    machine: 0x0100000c,
  },
  {
    os: 'windows',
    arch: 'amd64',
    bun: 'bun-windows-x64',
    runtime: '@oven/bun-windows-x64',
    keyring: '@napi-rs/keyring-win32-x64-msvc',
    format: 'pe',
    machine: 0x8664,
  },
];

export const targetName = (target) => `${target.os}-${target.arch}`;

const exe = (target, name) => (target.os === 'windows' ? `${name}.exe` : name);

/**
 * Where `npm run compile` puts a target's executable, the compiled program: beside the launcher, as the release
 * archives have it (kubectl-oidc-bin; the launcher in front of it is kubectl-oidc).
 */
export const executablePath = (target, out = join(ROOT, 'build')) => join(out, targetName(target), exe(target, 'kubectl-oidc-bin'));

/** Where `npm run compile` puts a target's native launcher (Linux and Windows: scripts/native-launcher.mjs). */
export const launcherPath = (target, out = join(ROOT, 'build')) => join(out, targetName(target), exe(target, 'kubectl-oidc'));

const lock = () => JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

/**
 * A package of the lockfile, unpacked: the installed copy when npm installed it for this machine, else fetched with
 * `npm pack` from the registry npm uses and checked against the lockfile's integrity before it is unpacked (cached in
 * node_modules/.cache). Nothing comes from anywhere else. `needs`: a file the installed copy must still hold (bun's
 * install moves its runtime out of @oven/bun-*).
 */
const lockedPackage = (name, needs = 'package.json') => {
  const entry = lock().packages[`node_modules/${name}`];
  if (!entry?.integrity) throw new Error(`${name} is not in package-lock.json (an optional dependency of bun or @napi-rs/keyring)`);
  const installed = join(ROOT, 'node_modules', name);
  if (existsSync(join(installed, needs)) && JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version === entry.version) {
    return installed;
  }
  const cache = join(ROOT, 'node_modules', '.cache', 'kubectl-oidc-targets', `${name.replace('/', '+')}@${entry.version}`);
  if (existsSync(join(cache, 'package.json'))) return cache;
  const work = `${cache}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', work, `${name}@${entry.version}`], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1);
  const [algorithm, expected] = entry.integrity.split(/-(.*)/s);
  const actual = createHash(algorithm)
    .update(readFileSync(join(work, file)))
    .digest('base64');
  if (actual !== expected) throw new Error(`${name}@${entry.version}: the tarball's ${algorithm} is not the lockfile's integrity`);
  execFileSync('tar', ['-xzf', join(work, file), '-C', work]);
  try {
    renameSync(join(work, 'package'), cache);
  } catch (err) {
    // Another build (the test suite runs several) filled the cache meanwhile with the same checked package.
    if (!['ENOTEMPTY', 'EEXIST'].includes(err.code) || !existsSync(join(cache, 'package.json'))) throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return cache;
};

/** The Bun runtime of a target (the file `bun build --compile` copies), from its lockfile package. */
export const runtimeOf = (target) => {
  const file = join('bin', target.os === 'windows' ? 'bun.exe' : 'bun');
  return join(lockedPackage(target.runtime, file), file);
};

/** The keychain module (.node) of a target, from its lockfile package. */
export const keyringModuleOf = (target) => {
  const dir = lockedPackage(target.keyring);
  const [file] = readdirSync(dir).filter((name) => name.endsWith('.node'));
  if (!file) throw new Error(`${target.keyring} holds no .node file`);
  return join(dir, file);
};
