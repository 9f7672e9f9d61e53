import type { Command } from './table.js';

/**
 * Every command as typed, and whose option rows it takes (clean: logout's; none for completion and version). The
 * command line registers these, help lists them and completion offers them, in this order.
 */
export const COMMANDS = {
  'get-token': 'get-token',
  setup: 'setup',
  login: 'login',
  logout: 'logout',
  clean: 'logout',
  status: 'status',
  migrate: 'migrate',
  completion: undefined,
  version: undefined,
} as const satisfies Record<string, Command | undefined>;

export type CommandName = keyof typeof COMMANDS;

export const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);
