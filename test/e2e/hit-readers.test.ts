import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNativeLauncher, compilerOf } from '../../scripts/native-launcher.mjs';
import { executablePath, TARGETS, targetName } from '../../scripts/targets.mjs';
import { argsSignature, envSignature, HIT_FORMAT } from '../../src/hit/signature.js';
import { FAKE_NODE_STATUS, PLUGIN_BIN, PLUGIN_IS_EXECUTABLE, REPO_ROOT, writeTestLauncher } from '../support/paths.js';
import { run } from '../support/run.js';
import { toolAvailable } from './requirements.js';

const targetNamed = (name: string) => TARGETS.find((target) => targetName(target) === name)!;

// One table of hit-file cases, run against every reader of the hit-file contract: the sh launcher (npm's install, and
// as the macOS archives ship it), the native launcher (the Linux and Windows archives'; the Windows one under Wine in
// wine.test.ts), Node's reader (dist/hit.cjs, loaded first by the Node entry) and the compiled program (every miss of a
// launcher). Each case says whether a hit is served; every
// reader must agree, and none may hang on what it finds in the cache directory.

const VALID_UNTIL = () => String(Math.floor(Date.now() / 1000) + 3600);
const CREDENTIAL = (version: string) =>
  JSON.stringify({ apiVersion: `client.authentication.k8s.io/${version}`, kind: 'ExecCredential', status: { token: 'hit-token' } });
const EXEC_INFO = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
const isRoot = process.getuid?.() === 0;

interface Case {
  name: string;
  served: boolean;
  /** Makes the case's files in the cache directory (the valid hit file is written first, as `hit`). */
  arrange?(dir: string, write: (lines: string[] | string, name?: string) => string, lines: string[]): void;
  /** Changes the run: its arguments or environment. */
  args?(args: string[]): string[];
  env?(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** The hit file names the run's environment as the case changed it (else the base environment's). */
  recordsItsEnvironment?: boolean;
  /** The hit file names the run's arguments as the case changed them (else the base arguments). */
  recordsItsArguments?: boolean;
}

const replaceLine = (index: number, value: string) => (_dir: string, write: (lines: string[]) => string, lines: string[]) =>
  void write(lines.map((line, i) => (i === index ? value : line)));

const CASES: Case[] = [
  { name: 'a fresh file for exactly this run', served: true },
  { name: 'expired', served: false, arrange: replaceLine(1, String(Math.floor(Date.now() / 1000) - 1)) },
  { name: 'an expiry that is not a number', served: false, arrange: replaceLine(1, 'soon') },
  { name: 'an expiry of 13 digits (beyond what sh compares safely)', served: false, arrange: replaceLine(1, '9999999999999') },
  { name: 'an expiry with a sign', served: false, arrange: replaceLine(1, '+9999999999') },
  { name: 'another format', served: false, arrange: replaceLine(0, 'kubectl-oidc-hit 1') },
  { name: 'other arguments (another client)', served: false, args: (args) => args.map((a) => a.replace('client-a', 'client-b')) },
  { name: 'another environment (HOME)', served: false, env: (env) => ({ ...env, HOME: `${env.HOME}-other` }) },
  { name: 'a debug flag (-v=1): the full program says what it does', served: false, args: (args) => [...args, '-v=1'] },
  { name: 'a debug flag (--v=2)', served: false, args: (args) => [...args, '--v=2'] },
  {
    name: 'the cache directory as a kubeconfig carries it, --token-cache-dir=~/cache',
    served: true,
    args: (args) => args.map((arg) => (arg.startsWith('--token-cache-dir=') ? '--token-cache-dir=~/cache' : arg)),
    recordsItsArguments: true,
  },
  {
    name: 'KUBECTL_OIDC_FORCE_REFRESH=true, even with a hit file written for that environment: as --force-refresh',
    served: false,
    env: (env) => ({ ...env, KUBECTL_OIDC_FORCE_REFRESH: 'true' }),
    recordsItsEnvironment: true,
  },
  {
    name: 'KUBECTL_OIDC_FORCE_REFRESH=false',
    served: true,
    env: (env) => ({ ...env, KUBECTL_OIDC_FORCE_REFRESH: 'false' }),
    recordsItsEnvironment: true,
  },
  {
    name: 'exec info v1 whose cluster config (provideClusterInfo, an exec extension) names v1beta1: the top level decides',
    served: true,
    env: (env) => ({
      ...env,
      KUBERNETES_EXEC_INFO: JSON.stringify({
        kind: 'ExecCredential',
        apiVersion: 'client.authentication.k8s.io/v1',
        spec: {
          cluster: { server: 'https://cluster.example', config: { apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'Config' } },
          interactive: false,
        },
      }),
    }),
  },
  {
    name: 'a token to exchange in the environment, even with a hit file written for that environment (a hit cannot tell subjects apart)',
    served: false,
    env: (env) => ({ ...env, KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: 'alice-token' }),
    recordsItsEnvironment: true,
  },
  {
    name: 'a token to exchange as a flag, even with a hit file written for those arguments',
    served: false,
    args: (args) => [...args, '--token-exchange-subject-token=alice-token'],
    recordsItsArguments: true,
  },
  {
    name: 'a file of the token to exchange (its content may have changed), even with a hit file written for those arguments',
    served: false,
    args: (args) => [...args, '--token-exchange-subject-token-file=/var/run/secrets/tokens/subject'],
    recordsItsArguments: true,
  },
  {
    name: 'a secret given with another value (secrets are blanked)',
    served: true,
    args: (args) => args.map((arg) => (arg.startsWith('--oidc-client-secret=') ? '--oidc-client-secret=other' : arg)),
  },
  {
    name: 'a session logged out (its session file gone): its hit file, wherever it was left, is dead',
    served: false,
    arrange: (dir) => rmSync(join(dir, 'session.json')),
  },
  { name: 'an extra line', served: false, arrange: (_dir, write, lines) => void write([...lines.slice(0, 6), 'extra', '']) },
  { name: 'an extra partial line', served: false, arrange: (_dir, write, lines) => void write(`${lines.join('\n')}extra`) },
  { name: 'no newline after the last line', served: false, arrange: (_dir, write, lines) => void write(lines.join('\n').slice(0, -1)) },
  { name: 'five lines', served: false, arrange: (_dir, write, lines) => void write([...lines.slice(0, 5), '']) },
  {
    name: 'mode 0640',
    served: false,
    arrange: (_dir, write, lines) => chmodSync(write(lines), 0o640),
  },
  { name: 'mode 0400', served: false, arrange: (_dir, write, lines) => chmodSync(write(lines), 0o400) },
  { name: 'mode 0700', served: false, arrange: (_dir, write, lines) => chmodSync(write(lines), 0o700) },
  {
    name: 'a symlink to a valid file',
    served: false,
    arrange: (dir, write, lines) => {
      const target = join(dir, 'elsewhere');
      mkdirSync(target, { mode: 0o700 });
      const file = write(lines);
      rmSync(file);
      writeFileSync(join(target, 'real.hit'), lines.join('\n'), { mode: 0o600 });
      symlinkSync(join(target, 'real.hit'), file);
    },
  },
  {
    name: 'a FIFO named *.hit, alone',
    served: false,
    arrange: (dir, write, lines) => {
      rmSync(write(lines));
      execFileSync('mkfifo', ['-m', '600', join(dir, 'fifo.hit')]);
    },
  },
  {
    name: 'a FIFO named *.hit beside a valid file',
    served: true,
    arrange: (dir) => execFileSync('mkfifo', ['-m', '600', join(dir, '0000-fifo.hit')]),
  },
  { name: 'a directory named *.hit beside a valid file', served: true, arrange: (dir) => mkdirSync(join(dir, '0000-dir.hit')) },
  ...(isRoot
    ? [
        {
          name: "another user's file",
          served: false,
          arrange: (_dir: string, write: (lines: string[]) => string, lines: string[]) => chownSync(write(lines), 65534, 65534),
        },
      ]
    : []),
];

/** The readers, each as a command that prints the credential and exits 0 on a hit, and exits otherwise on a miss. */
interface Reader {
  name: string;
  command: string;
  prefix: string[];
}

describe('every hit-file reader keeps one contract', () => {
  const work = mkdtempSync(join(tmpdir(), 'kubectl-oidc-hit-readers-'));
  const readers: Reader[] = [];
  beforeAll(async () => {
    // The executable's runs (.ci/run, after the suite): only the reader they add, the archive's launcher in front of
    // the program under test. Every other reader ran in the suite, on the same files.
    if (PLUGIN_IS_EXECUTABLE) {
      readers.push({ name: 'the executable', command: PLUGIN_BIN, prefix: [] });
      return;
    }
    // Node's reader alone: a hit prints and exits 0, a miss exits with the stand-in's status (no login is tried).
    const nodeReader = join(work, 'node-reader.cjs');
    writeFileSync(
      nodeReader,
      `process.exit(require(${JSON.stringify(join(REPO_ROOT, 'dist', 'hit.cjs'))}).servedHit(Date.now()) ? 0 : ${FAKE_NODE_STATUS});\n`,
    );
    readers.push({ name: "Node's reader (dist/hit.cjs)", command: process.execPath, prefix: [nodeReader] });
    readers.push({ name: 'the sh launcher', command: await writeTestLauncher(work), prefix: [] });
    // The launcher of the Linux and macOS archives (dist/launcher-executable.sh, as shipped), in front of a stand-in
    // for the executable beside it that only exits.
    const release = join(work, 'release');
    mkdirSync(release);
    copyFileSync(join(REPO_ROOT, 'dist', 'launcher-executable.sh'), join(release, 'kubectl-oidc'));
    writeFileSync(join(release, 'kubectl-oidc-bin'), `#!/bin/sh\nexit ${FAKE_NODE_STATUS}\n`);
    for (const file of ['kubectl-oidc', 'kubectl-oidc-bin']) chmodSync(join(release, file), 0o755);
    readers.push({ name: 'the release launcher', command: join(release, 'kubectl-oidc'), prefix: [] });
    // This machine's program, compiled now. A miss goes on to the full program, which finds no session and fails at
    // once against an issuer on a closed port.
    let executable: string | undefined;
    if (process.platform === 'linux' && process.arch === 'x64') {
      execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'bun'), [
        join(REPO_ROOT, 'scripts', 'compile.mjs'),
        '--target',
        'linux-amd64',
        '--out',
        work,
        '--no-launcher',
      ]);
      executable = executablePath(targetNamed('linux-amd64'), work);
    }
    if (executable) readers.push({ name: 'the executable', command: executable, prefix: [] });
    else process.stderr.write('\n\x1b[41;97m no executable for this machine: the hit-file cases run against Node and sh only \x1b[0m\n\n');
    // The native launchers of the Linux archives (src/launcher/native.c), built now from the option table, in front of a
    // stand-in for the program beside them: amd64 on this machine, arm64 under QEMU user mode (not arm64 hardware).
    const natives = [
      { target: 'linux-amd64', emulator: [] as string[] },
      { target: 'linux-arm64', emulator: process.arch === 'arm64' ? [] : ['qemu-aarch64-static'] },
    ];
    for (const native of natives) {
      // The compiler as the build picks it (scripts/native-launcher.mjs), and the emulator.
      const { cc, debian } = compilerOf(targetNamed(native.target));
      if (!toolAvailable(true, cc, ['--version'], debian)) continue;
      if (!native.emulator.every((tool) => toolAvailable(true, tool, ['--version'], 'qemu-user-static'))) continue;
      const dir = join(work, `native-${native.target}`);
      mkdirSync(dir);
      await buildNativeLauncher(targetNamed(native.target), join(dir, 'kubectl-oidc'));
      writeFileSync(join(dir, 'kubectl-oidc-bin'), `#!/bin/sh\nexit ${FAKE_NODE_STATUS}\n`, { mode: 0o755 });
      const launcher = join(dir, 'kubectl-oidc');
      const [command, ...prefix] = [...native.emulator, launcher];
      readers.push({
        name: `the native launcher (${native.target}${native.emulator.length ? ', under QEMU' : ''})`,
        command: command!,
        prefix,
      });
    }
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const [index, testCase] of CASES.entries()) {
    it(`${testCase.served ? 'serves' : 'refuses'}: ${testCase.name}`, async () => {
      const dir = join(work, `case-${index}`);
      const cacheDir = join(dir, 'cache');
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const baseArgs = [
        'get-token',
        '--oidc-issuer-url=https://127.0.0.1:9',
        '--oidc-client-id=client-a',
        `--token-cache-dir=${cacheDir}`,
        '--token-cache-storage=disk',
        '--oidc-client-secret=s3cret',
      ];
      const baseEnv: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: dir,
        KUBERNETES_EXEC_INFO: EXEC_INFO,
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
      };
      const lines = [
        HIT_FORMAT,
        VALID_UNTIL(),
        argsSignature(baseArgs)!,
        envSignature(baseEnv)!,
        CREDENTIAL('v1'),
        CREDENTIAL('v1beta1'),
        '',
      ];
      const write = (content: string[] | string, name = 'session.hit'): string => {
        const path = join(cacheDir, name);
        rmSync(path, { force: true });
        writeFileSync(path, typeof content === 'string' ? content : content.join('\n'), { mode: 0o600 });
        chmodSync(path, 0o600);
        return path;
      };
      const args = testCase.args ? testCase.args(baseArgs) : baseArgs;
      const env = testCase.env ? testCase.env(baseEnv) : baseEnv;
      if (testCase.recordsItsEnvironment) lines[3] = envSignature(env)!;
      if (testCase.recordsItsArguments) lines[2] = argsSignature(args)!;
      write(lines);
      // The session the hit stands for: readers serve a hit only while the cache has it.
      writeFileSync(join(cacheDir, 'session.json'), '{}', { mode: 0o600 });
      testCase.arrange?.(cacheDir, write, lines);

      const outcomes = await Promise.all(
        readers.map(async (reader) => {
          const result = await run(reader.command, [...reader.prefix, ...args], { env, timeout: 15_000, killSignal: 'SIGKILL' });
          const verdict =
            result.code === null ? 'hung' : result.code === 0 && result.stdout === `${CREDENTIAL('v1')}\n` ? 'served' : 'refused';
          return {
            line: `${reader.name}: ${verdict}`,
            detail: `${reader.name}: exit ${result.code}, ${result.stderr.trim().split('\n').at(-1)}`,
          };
        }),
      );
      const expected = readers.map((reader) => `${reader.name}: ${testCase.served ? 'served' : 'refused'}`);
      expect(
        outcomes.map((outcome) => outcome.line),
        outcomes.map((outcome) => outcome.detail).join('; '),
      ).toEqual(expected);
    });
  }

  it('the table reached every reader there is here', () => {
    if (PLUGIN_IS_EXECUTABLE) {
      expect(readers.map((reader) => reader.name)).toEqual(['the executable']);
      return;
    }
    expect(readers.map((reader) => reader.name)).toContain("Node's reader (dist/hit.cjs)");
    expect(readers.map((reader) => reader.name)).toContain('the sh launcher');
    expect(readers.map((reader) => reader.name)).toContain('the release launcher');
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(readers.map((reader) => reader.name)).toContain('the executable');
      // CI has the compilers and QEMU (.ci/run installs them); toolAvailable failed the file where one was missing.
      if (process.env.REQUIRE_E2E === '1') {
        expect(readers.map((reader) => reader.name)).toEqual(
          expect.arrayContaining(['the native launcher (linux-amd64)', 'the native launcher (linux-arm64, under QEMU)']),
        );
      }
    }
    expect(existsSync(join(REPO_ROOT, 'dist', 'hit.cjs'))).toBe(true);
  });
});
