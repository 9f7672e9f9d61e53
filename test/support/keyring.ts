import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBus, sessionBusSocket } from '../../src/keychain/dbus-connection.js';

export interface SecretService {
  /** Environment that points processes at this session bus (and so at this keyring). */
  env: Record<string, string>;
  /** Locks the login collection, as a screen lock or `secret-tool lock` would (org.freedesktop.Secret.Service.Lock). */
  lock(): Promise<void>;
  /** Starts the keyring again unlocked with its password, as a desktop login does. */
  unlock(): Promise<void>;
  stop(): void;
}

const commandExists = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export const secretServiceAvailable = (): boolean =>
  commandExists('dbus-daemon') && commandExists('gnome-keyring-daemon') && commandExists('secret-tool');

/**
 * A real Secret Service for tests: a private D-Bus session bus and gnome-keyring unlocked with a throwaway password,
 * in a temporary HOME so that no real keyring is touched (FIELD-NOTES §6).
 */
export const startSecretService = async (): Promise<SecretService> => {
  const home = mkdtempSync(join(tmpdir(), 'kubectl-oidc-keyring-'));
  const bus = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const address = bus[0]!;
  const busPid = Number(bus[1]);
  const env = { HOME: home, XDG_RUNTIME_DIR: home, DBUS_SESSION_BUS_ADDRESS: address };
  const keyringDaemons = (): number[] =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
          return environ.includes(`HOME=${home}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('gnome-keyring');
        } catch {
          return false;
        }
      })
      .map(Number);
  // It daemonizes once the keyring is unlocked and serving; the daemon is found again by its HOME to stop it.
  const startUnlocked = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const keyring = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      keyring.stdin.end('test-keyring-password');
      keyring.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gnome-keyring-daemon exited with ${code}`))));
    });
  const kill = (pids: number[]): void => {
    for (const pid of pids) {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
    }
  };
  /** Whether a process still runs (a zombie that init has not reaped yet has ended). */
  const running = (pid: number): boolean => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.[0] !== 'Z';
    } catch {
      return false;
    }
  };
  /**
   * Ends the daemons and waits until they have exited: a daemon still shutting down when the next one starts on the
   * same HOME and bus can take the login collection with it (seen on a loaded machine: "Object does not exist at path
   * /org/freedesktop/secrets/collection/login" two tests after an unlock).
   */
  const stopDaemons = async (): Promise<void> => {
    const pids = keyringDaemons();
    kill(pids);
    const deadline = Date.now() + 10_000;
    while (pids.some(running)) {
      if (Date.now() > deadline) throw new Error(`gnome-keyring-daemon ${pids.join(', ')} did not exit within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await startUnlocked();
  return {
    env,
    lock: async () => {
      const bus = openBus(sessionBusSocket(address)!);
      try {
        await bus.call({
          destination: 'org.freedesktop.secrets',
          path: '/org/freedesktop/secrets',
          interface: 'org.freedesktop.Secret.Service',
          member: 'Lock',
          signature: 'ao',
          body: [['/org/freedesktop/secrets/collection/login']],
        });
      } finally {
        bus.close();
      }
    },
    unlock: async () => {
      await stopDaemons();
      await startUnlocked();
    },
    stop: () => {
      kill([...keyringDaemons(), busPid]);
      rmSync(home, { recursive: true, force: true });
    },
  };
};
