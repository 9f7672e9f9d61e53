import { existsSync } from 'node:fs';

export interface Environment {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** Whether we are inside a container (a file test, injected for unit tests). */
  inContainer: boolean;
}

export const currentEnvironment = (): Environment => ({
  platform: process.platform,
  env: process.env,
  inContainer: existsSync('/.dockerenv') || existsSync('/run/.containerenv'),
});

/** Can a browser be opened here for the person at this machine? Says why not. */
export const browserAvailability = (
  environment: Environment,
  settings: { browserCommand?: string; skipOpenBrowser: boolean },
): { ok: boolean; why: string } => {
  const { env, platform } = environment;
  if (settings.browserCommand) return { ok: true, why: '--browser-command is set' };
  if (settings.skipOpenBrowser) return { ok: true, why: '--skip-open-browser: you open the URL yourself' };
  if (env.BROWSER) return { ok: true, why: '$BROWSER is set' };
  if (env.WSL_DISTRO_NAME) return { ok: true, why: 'WSL opens the Windows browser' };
  if (env.SSH_CONNECTION || env.SSH_TTY) return { ok: false, why: 'this is an SSH session' };
  if (platform === 'darwin' || platform === 'win32') return { ok: true, why: 'a desktop system' };
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return { ok: true, why: 'a display is available' };
  if (environment.inContainer) return { ok: false, why: 'this is a container without a display' };
  return { ok: false, why: 'no display (DISPLAY/WAYLAND_DISPLAY unset)' };
};
