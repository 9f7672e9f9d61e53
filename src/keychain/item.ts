import { PluginError } from '../errors.js';
import type { Logger } from '../log.js';

/** One secret in the OS keychain, named as every backend names it: a service and an account. */
export interface Item {
  service: string;
  account: string;
  /** What the keychain shows the user beside the item. */
  label: string;
}

/**
 * The few operations every backend offers. Each rejects with a 'keychain_locked' PluginError when the keychain is
 * there but will not give or take a secret now (locked, or not answering: waiting for an unlock prompt), and with a
 * 'keychain_unavailable' one when there is no keychain to ask.
 */
export interface Backend {
  /** `log` hears which way the secret was read (with -v). */
  get(item: Item, log: Logger): Promise<string | null>;
  set(item: Item, value: string): Promise<void>;
  delete(item: Item): Promise<void>;
}

/** A keychain that waits for an unlock prompt must not hold kubectl up: every call gives up after this long. */
export const TIMEOUT_MS = 2000;

export const unavailable = (message: string): PluginError => new PluginError('keychain_unavailable', message);

export const locked = (message: string): PluginError => new PluginError('keychain_locked', message);

export const notAnswered = (): PluginError =>
  locked(`the OS keychain did not answer within ${TIMEOUT_MS / 1000} s (locked, or waiting for an unlock prompt)`);
