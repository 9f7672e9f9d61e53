import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretService {
  /** Environment that points processes at this session bus (and so at this keyring). */
  env: Record<string, string>;
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
  // It daemonizes once the keyring is unlocked and serving; the daemon is found again by its HOME to stop it.
  await new Promise<void>((resolve, reject) => {
    const keyring = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    keyring.stdin.end('test-keyring-password');
    keyring.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gnome-keyring-daemon exited with ${code}`))));
  });
  const daemons = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HOME=${home}`);
      } catch {
        return false;
      }
    })
    .map(Number);
  return {
    env,
    stop: () => {
      for (const pid of [...daemons, busPid]) {
        try {
          process.kill(pid);
        } catch {
          // already gone
        }
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
};
