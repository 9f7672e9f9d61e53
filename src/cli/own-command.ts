import { accessSync, constants } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

const EXE = process.platform === 'win32' ? '.exe' : '';
const runnable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The command a kubeconfig this machine uses runs (login and migrate write it): kubectl-oidc by absolute path — so a
 * kubectl started without the shell's PATH (an IDE, a desktop app) runs it too, and kuberc's allowlist names exactly
 * it — as PATH finds it (what krew, Homebrew or npm put there, stable across upgrades), else the file this process
 * was started from: the launcher in front of the compiled program, or Node's bin/kubectl-oidc. What setup prints for
 * others to paste names `kubectl-oidc`, for each machine's PATH to find.
 */
export const ownCommand = (env: NodeJS.ProcessEnv = process.env): string => {
  for (const dir of (env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d))) {
    if (runnable(join(dir, `kubectl-oidc${EXE}`))) return join(dir, `kubectl-oidc${EXE}`);
  }
  // The compiled program is the process itself (its argv[1] is inside Bun's virtual file system); the launcher of its
  // archive, beside it, answers hits without starting it.
  if (process.versions.bun || !process.argv[1]) {
    const launcher = join(dirname(process.execPath), `kubectl-oidc${EXE}`);
    return basename(process.execPath) === `kubectl-oidc-bin${EXE}` && runnable(launcher) ? launcher : process.execPath;
  }
  return resolve(process.argv[1]);
};
