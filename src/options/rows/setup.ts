import type { Row } from '../row.js';

/** Help's "Setup:" section. */
export const SETUP_ROWS = [
  {
    name: 'save-session',
    section: 'setup',
    kind: 'boolean',
    group: 'setup',
    key: 'saveSession',
    description: 'use the session cache as get-token does: a valid session is reused (--force-login logs in anew), a new one kept',
    commands: ['setup'],
    env: false,
  },
  {
    name: 'force-login',
    section: 'setup',
    kind: 'boolean',
    group: 'setup',
    key: 'forceLogin',
    description: 'log in again even when the session cache holds a valid session (as --force-refresh refreshes)',
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'kubeconfig-user',
    section: 'setup',
    kind: 'string',
    group: 'setup',
    key: 'kubeconfigUser',
    value: '<name>',
    description: 'user name in the printed kubeconfig snippets',
    default: 'oidc',
    commands: ['setup'],
    env: false,
  },
] as const satisfies readonly Row[];
